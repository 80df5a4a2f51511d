"""The neighbour that keeps working."""
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("fine")
    return apache.OK
