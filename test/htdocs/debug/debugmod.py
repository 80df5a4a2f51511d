"""Raises an exception carrying the marker sent in the query string."""

from mod_python import apache


class MarkerError(Exception):
    pass


def handler(req):
    if req.args and req.args.startswith("raise="):
        raise MarkerError("boom " + req.args[len("raise="):])
    req.content_type = "text/plain"
    req.write("fine")
    return apache.OK
