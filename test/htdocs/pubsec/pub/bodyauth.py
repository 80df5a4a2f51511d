"""__auth__ / __access__ / __auth_realm__ written in function bodies, in
every form the publisher evaluates without running the body."""

import types

USERS = {"alice": "wonderland", "mallory": "evil"}
PASSWORD = "wonderland"
config = types.SimpleNamespace(USERS=USERS)


def check_password(req, user, password):
    return USERS.get(user) == password


def dict_literal(req):
    __auth__ = {"alice": "wonderland"}
    return "REACHED"


def lambda_auth(req):
    __auth__ = lambda req, user, password: (user, password) == (
        "alice", "wonderland")
    return "REACHED"


def global_dict(req):
    __auth__ = USERS
    return "REACHED"


def global_function(req):
    __auth__ = check_password
    return "REACHED"


def dotted_global(req):
    __auth__ = config.USERS
    return "REACHED"


def annotated(req):
    __auth__: dict = {"alice": "wonderland"}
    return "REACHED"


def dict_of_global(req):
    __auth__ = {"alice": PASSWORD}
    return "REACHED"


def access_list(req):
    __auth__ = USERS
    __access__ = ["alice"]
    return "REACHED"


def access_only(req):
    __access__ = ["admin"]
    return "REACHED"


def access_function_only(req):
    __access__ = lambda req, user: user is None
    return "REACHED for %r" % (user_of(req),)


def user_of(req):
    return req.user


def quoted_realm(req):
    __auth_realm__ = 'Say "hi" \\ there\r\nX-Injected: 1'
    __auth__ = USERS
    return "REACHED"


def nested_with_default(req):
    def __auth__(req, user, password, expected=("alice", "wonderland")):
        return (user, password) == expected
    return "REACHED"


class Page:
    def method(self, req):
        __auth__ = {"alice": "wonderland"}
        return "REACHED"

    def __call__(self, req):
        __auth__ = USERS
        __access__ = ("alice",)
        return "REACHED"


page = Page()
