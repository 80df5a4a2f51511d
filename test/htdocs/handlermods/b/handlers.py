"""A handler module named like the one in the other directory."""
import os
import sys

from mod_python import apache

WHERE = "b"


def handler(req):
    req.content_type = "text/plain"
    directory = os.path.dirname(__file__)
    on_path = [os.path.normpath(entry) for entry in sys.path].count(directory)
    req.write("%s %s %d %s %d" % (WHERE, __name__, on_path,
                                  "handlers" in sys.modules, os.getpid()))
    return apache.OK
