"""For PythonHandlerModule in a section below one with hmodmod: only the
content handler exists here."""

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write(",".join(getattr(req, "trace", [])) + "|onlyhandler")
    return apache.OK
