"""Function bodies binding auth names in ways the publisher cannot
evaluate without running them: each must be a 500, never a call."""

import types

USERS = {"alice": "wonderland"}
EVALUATED = []


def make_users():
    EVALUATED.append(1)
    return USERS


def called(req):
    __auth__ = make_users()
    return "REACHED"


def conditional(req):
    if req.method != "NONE":
        __auth__ = USERS
    return "REACHED"


def twice(req):
    __auth__ = {}
    __auth__ = USERS
    return "REACHED"


def loop_target(req):
    for __access__ in (["alice"],):
        pass
    return "REACHED"


def declared_global(req):
    global __auth__
    __auth__ = USERS
    return "REACHED"


def local_variable(req):
    users = {"alice": "wonderland"}
    __auth__ = users
    return "REACHED"


def undefined_global(req):
    __auth__ = NO_SUCH_NAME  # noqa: F821
    return "REACHED"


def parameter(req, __auth__=None):
    return "REACHED"


def decorated_nested(req):
    @staticmethod
    def __auth__(req, user, password):
        return True
    return "REACHED"


def non_literal_default(req):
    __auth__ = lambda req, user, password, users=make_users(): True
    return "REACHED"


def computed_realm(req):
    __auth_realm__ = "a" + "b"
    return "REACHED"


def unpacked(req):
    __auth__, other = USERS, None
    return "REACHED"


def walrus(req):
    if (__auth__ := USERS):
        pass
    return "REACHED"


def with_target(req):
    with open(__file__) as __auth__:
        pass
    return "REACHED"


def closure_lambda(req):
    users = {"alice": "wonderland"}
    __auth__ = lambda req, user, password: users.get(user) == password
    return "REACHED"


def imported(req):
    from os import sep as __auth_realm__
    return "REACHED"


def evaluated(req):
    return "evaluated %d" % len(EVALUATED)
