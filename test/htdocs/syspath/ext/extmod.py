import os

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("extmod handled %s" % os.path.basename(req.filename))
    return apache.OK
