"""Content handler of auth/who/: shows the user the authen handler let in."""

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("user=%s" % req.user)
    return apache.OK
