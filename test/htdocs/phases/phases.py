"""A handler for every phase; each appends req.phase to req.trace.

The content handler sends the trace; the log and cleanup handlers, which
run after the response went out, append their phase to {var}/<X-Trace-Id>.
"""

import os

from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "var")


def record(req, expected):
    if not hasattr(req, "trace"):
        req.trace = []
    if req.phase == expected:
        req.trace.append(req.phase)
    else:
        req.trace.append("%s (in %s)" % (req.phase, expected))
    return apache.OK


def record_to_file(req, expected):
    record(req, expected)
    trace_id = req.headers_in.get("X-Trace-Id")
    if trace_id:
        with open(os.path.join(VAR, trace_id), "a") as trace:
            trace.write(req.trace[-1] + "\n")
    return apache.OK


def postreadrequesthandler(req):
    return record(req, "PythonPostReadRequestHandler")


def transhandler(req):
    record(req, "PythonTransHandler")
    return apache.DECLINED


def headerparserhandler(req):
    return record(req, "PythonHeaderParserHandler")


def accesshandler(req):
    return record(req, "PythonAccessHandler")


def authenhandler(req):
    record(req, "PythonAuthenHandler")
    password = req.get_basic_auth_pw()
    if req.user == "spam" and password == "eggs":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED


def authzhandler(req):
    return record(req, "PythonAuthzHandler")


def typehandler(req):
    return record(req, "PythonTypeHandler")


def fixuphandler(req):
    return record(req, "PythonFixupHandler")


def handler(req):
    record(req, "PythonHandler")
    req.content_type = "text/plain"
    req.write("\n".join(req.trace))
    return apache.OK


def loghandler(req):
    return record_to_file(req, "PythonLogHandler")


def cleanuphandler(req):
    return record_to_file(req, "PythonCleanupHandler")
