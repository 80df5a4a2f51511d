def admin_only(req):
    __access__ = ["admin"]
    return "REACHED as %s" % req.user


def nobody(req):
    __access__ = ["root"]
    return "REACHED"
