from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("pkg.sub handler, __name__=%s" % __name__)
    return apache.OK
