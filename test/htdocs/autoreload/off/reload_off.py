from mod_python import apache

VERSION = "version 1"


def handler(req):
    req.content_type = "text/plain"
    req.headers_out["X-Autoreload"] = str(req._autoreload)
    req.write(VERSION)
    return apache.OK
