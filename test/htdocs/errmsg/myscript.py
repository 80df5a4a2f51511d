"""A handler module without a `handler` function (it has spam)."""
from mod_python import apache


def spam(req):
    req.write("spam")
    return apache.OK


def helper():
    return 1


class Page:
    pass


def raises(req):
    return _deeper()


def _deeper():
    raise ValueError("raised in the user's code")
