# SECRET-IN-SOURCE: this comment must never reach a client
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("ran the handler")
    return apache.OK


def fixuphandler(req):
    return apache.OK
