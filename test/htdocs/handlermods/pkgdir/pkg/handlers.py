import sys

from mod_python import apache

VERSION = "version 1"


def handler(req):
    req.content_type = "text/plain"
    req.write("%s %s" % (VERSION, sys.modules.get(__name__) is not None))
    return apache.OK
