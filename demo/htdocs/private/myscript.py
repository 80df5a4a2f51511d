# Manual section 3.4: the same script handles authentication and content.
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello World! You are %s." % req.user)
    return apache.OK


def authenhandler(req):
    user = req.user
    pw = req.get_basic_auth_pw()

    if user == "spam" and pw == "eggs":
        return apache.OK
    else:
        return apache.HTTP_UNAUTHORIZED
