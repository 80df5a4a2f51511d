"""Found because its <Directory> is put in front of sys.path."""

import os
import sys

from mod_python import apache

import helper_in_dir

HERE = os.path.dirname(os.path.abspath(__file__))


def handler(req):
    req.content_type = "text/plain"
    on_path = any(path.rstrip("/") == HERE for path in sys.path)
    req.write("helper=%s on_path=%s" % (helper_in_dir.VALUE, on_path))
    return apache.OK
