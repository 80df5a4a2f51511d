"""apache.import_module(name, path=[...]): keyed by the file it finds."""
import json
import os
import sys

from mod_python import apache
from mod_python.python22 import *  # noqa: F401,F403  3.5's handlers did

HERE = os.path.dirname(__file__)


def handler(req):
    one = apache.import_module("same", path=[os.path.join(HERE, "one")])
    two = apache.import_module("same", path=[os.path.join(HERE, "two")])
    again = apache.import_module("same", path=[os.path.join(HERE, "one")])
    req.content_type = "application/json"
    req.write(json.dumps({
        "one": one.WHERE, "two": two.WHERE, "distinct": one is not two,
        "same_again": again is one, "in_sys_modules": "same" in sys.modules,
        "registered": sys.modules.get(one.__name__) is one,
    }))
    return apache.OK
