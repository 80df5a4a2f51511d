"""Streams its answer: two flushing writes (the tutorial's way)."""
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("part one;")
    req.write("part two")
    return apache.OK
