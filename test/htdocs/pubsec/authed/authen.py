from mod_python import apache


def authenhandler(req):
    """Apache's authentication phase: admin/secret only."""
    password = req.get_basic_auth_pw()
    if (req.user, password) == ("admin", "secret"):
        return apache.OK
    return apache.HTTP_UNAUTHORIZED
