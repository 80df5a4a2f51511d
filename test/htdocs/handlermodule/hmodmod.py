"""For PythonHandlerModule: only some of the default handler names exist."""

import os

from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "var")


def record(req):
    if not hasattr(req, "trace"):
        req.trace = []
    req.trace.append(req.phase)
    return apache.OK


def headerparserhandler(req):
    return record(req)


def fixuphandler(req):
    return record(req)


def handler(req):
    record(req)
    req.content_type = "text/plain"
    req.write(",".join(req.trace))
    return apache.OK


def loghandler(req):
    record(req)
    with open(os.path.join(VAR, req.headers_in["X-Trace-Id"]), "a") as trace:
        trace.write(req.phase + "\n")
    return apache.OK
