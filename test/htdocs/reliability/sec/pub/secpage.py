"""Published page for test_security.py: next to what may be published,
what must not be (CVE-2002-0185 / CVE-2005-0088 class)."""

import os
import os.path as osp
from os import getcwd
from os.path import join

SECRET = "s3cr3t-publisher-7f1c"
_private = SECRET
__hidden__ = SECRET


class Widget:
    secret = SECRET

    def show(self):
        return "widget"


widget = Widget()
settings = {"password": SECRET}


def index(req):
    return "published index"


def whoami(req):
    """The publisher must pass the request, never a form field named req."""
    return "req is %s" % type(req).__name__


def needs(req, arg):
    return "got %s" % len(arg)


def boom(req):
    raise RuntimeError(SECRET)


def _helper(req):
    return SECRET
