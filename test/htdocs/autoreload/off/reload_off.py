from mod_python import apache

VERSION = "version 1"


def handler(req):
    req.content_type = "text/plain"
    req.write(VERSION)
    return apache.OK
