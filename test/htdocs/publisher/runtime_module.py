"""A page that closes itself at run time with a module-level __access__."""


def page(req):
    return "module open"


def lock(req):
    globals()["__access__"] = []            # nobody may
    return "locked"
