"""Records the phases run; PythonInitHandler's object is inithandler."""

from mod_python import apache


def record(req):
    if not hasattr(req, "trace"):
        req.trace = []
    req.trace.append(req.phase)


def inithandler(req):
    record(req)
    return apache.OK


def transhandler(req):
    record(req)
    return apache.DECLINED


def headerparserhandler(req):
    record(req)
    return apache.OK


def accesshandler(req):
    record(req)
    return apache.OK


def handler(req):
    record(req)
    req.content_type = "text/plain"
    req.write("\n".join(req.trace))
    return apache.OK
