from mod_python import apache


def authenhandler(req):
    req.password_seen = req.get_basic_auth_pw()
    if req.user == "spam" and req.password_seen == "eggs":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED
