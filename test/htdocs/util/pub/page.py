"""Published by mod_python.publisher for test_util.py."""


def index(req):
    return "no fields taken"


def echo(a=None):
    return "a=%s" % (a,)
