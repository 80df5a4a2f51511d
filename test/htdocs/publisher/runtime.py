"""Pages whose auth attributes and functions change at run time: the
publisher remembers what it checked per URL and must notice
(test_publisher.py, "remembered checks")."""


def attr(req):
    return "attr open"


def lock_attr(req):
    attr.__auth__ = {"spam": "eggs"}       # a function attribute, later
    return "locked"


def body(req):
    return "body open"


def _locked_body(req):
    def __auth__(req, user, password):      # read by the publisher
        return (user, password) == ("spam", "eggs")
    return "body locked"


def lock_body(req):
    body.__code__ = _locked_body.__code__   # same function, new code
    return "locked"


def swapped(req):
    return "first"


def swap(req):
    global swapped

    def swapped(req):
        return "second"
    return "swapped"
