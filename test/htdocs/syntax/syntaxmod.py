"""Handlers for the module::object syntax tests."""

import os

from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "var")


def handler(req):
    req.content_type = "text/plain"
    req.write("default object: handler")
    return apache.OK


class _Holder:
    def method(self, req):
        req.content_type = "text/plain"
        req.write("obj.method called")
        return apache.OK


obj = _Holder()


class Greeter:
    """Met while resolving Greeter.greet: instantiated with req."""

    def __init__(self, req):
        self.req = req

    def greet(self, req):
        req.content_type = "text/plain"
        req.write("Greeter(req).greet called, self.req is req: %s"
                  % (self.req is req))
        return apache.OK


def first(req):
    req.content_type = "text/plain"
    req.write("first;")
    return apache.OK


def second(req):
    req.write("second;")
    return apache.OK


def third(req):
    req.write("third;")
    return apache.OK


def mark(req, name):
    with open(os.path.join(VAR, req.headers_in["X-Trace-Id"]), "a") as trace:
        trace.write(name + "\n")


def mark_a(req):
    mark(req, "a")
    return apache.OK


def mark_b(req):
    mark(req, "b")
    return apache.OK


def forbid(req):
    mark(req, "forbid")
    return apache.HTTP_FORBIDDEN


def decline(req):
    mark(req, "decline")
    return apache.DECLINED


def show_marks(req):
    req.content_type = "text/plain"
    with open(os.path.join(VAR, req.headers_in["X-Trace-Id"])) as trace:
        req.write(",".join(trace.read().split()))
    return apache.OK
