# test_hot_path: the handler's directory on sys.path, removed on request.
import os
import sys

from mod_python import apache

HERE = os.path.dirname(os.path.abspath(__file__))


def handler(req):
    req.content_type = "text/plain"
    present = HERE in sys.path
    if req.args == "drop":
        while HERE in sys.path:
            sys.path.remove(HERE)
    req.write("present" if present else "absent")
    return apache.OK
