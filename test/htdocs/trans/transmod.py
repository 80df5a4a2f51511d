"""A PythonTransHandler mapping /virtual/... onto real.txt."""

import os

from mod_python import apache

HERE = os.path.dirname(os.path.abspath(__file__))


def transhandler(req):
    if req.uri.startswith("/virtual/"):
        req.filename = os.path.join(HERE, "real.txt")
        return apache.OK
    return apache.DECLINED
