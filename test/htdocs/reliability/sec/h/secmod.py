"""Handlers for test_security.py: one per URL, named by the last path
element.  SECRET must never reach a client while PythonDebug is Off."""

import json
import os

from mod_python import apache

SECRET = "s3cr3t-handler-7f1c"
KEPT = {}


def handler(req):
    action = req.uri.rsplit("/", 1)[-1]
    function = globals().get("do_" + action.replace("-", "_"))
    if function is None:
        return apache.HTTP_NOT_FOUND
    return function(req)


def send(req, value):
    req.content_type = "application/json"
    req.write(json.dumps(value))
    return apache.OK


def do_ok(req):
    req.content_type = "text/plain"
    req.write("ok")
    return apache.OK


def do_raise(req):
    raise RuntimeError("%s %s" % (SECRET, req.args))


def do_echo_error(req):
    """An exception whose message carries request data (reflected in the
    traceback that PythonDebug On sends)."""
    raise ValueError("bad input %s %s" % (
        req.unparsed_uri, req.headers_in.get("X-Payload", "")))


def raise_in_phase(req):
    raise RuntimeError("%s in %s" % (SECRET, req.phase))


def do_phase(req):
    """Reached only if the earlier phase handler did not refuse."""
    return do_ok(req)


def do_keep(req):
    """Keep the request, its tables and its connection for later."""
    KEPT.clear()
    KEPT.update(req=req, headers_in=req.headers_in,
                headers_out=req.headers_out, notes=req.notes,
                subprocess_env=req.subprocess_env, conn=req.connection)
    req.content_type = "text/plain"
    req.write("kept %d" % os.getpid())
    return apache.OK


CALL_ARGS = ((), ("x",), ("x", "y"), (1,), (None,))


def sweep(obj):
    """Use every public attribute of obj every way; {name: outcomes}."""
    found = {}
    for name in dir(obj):
        if name.startswith("_"):
            continue
        outcomes = []
        try:
            value = getattr(obj, name)
        except BaseException as exc:
            found[name] = ["get:" + type(exc).__name__]
            continue
        outcomes.append("get:ok")
        if callable(value):
            for args in CALL_ARGS:
                try:
                    value(*args)
                    outcomes.append("call:ok")
                except BaseException as exc:
                    outcomes.append("call:" + type(exc).__name__)
        try:
            setattr(obj, name, "x")
            outcomes.append("set:ok")
        except BaseException as exc:
            outcomes.append("set:" + type(exc).__name__)
        found[name] = outcomes
    return found


def do_use_kept(req):
    """Use what an earlier request (on a closed connection) kept."""
    if not KEPT:
        return send(req, {"pid": os.getpid(), "kept": False})
    result = {"pid": os.getpid(), "kept": True}
    for key in sorted(KEPT):
        obj = KEPT[key]
        result[key] = sweep(obj)
        try:
            result[key + "[]"] = repr(obj["Host"])
        except BaseException as exc:
            result[key + "[]"] = "raised " + type(exc).__name__
    KEPT.clear()
    return send(req, result)


def do_filtered(req):
    req.content_type = "text/plain"
    req.write("through the filter " * 100)
    return apache.OK


def do_big(req):
    """20 MB in 64 KiB writes: the client goes away in the middle."""
    req.content_type = "application/octet-stream"
    chunk = b"b" * 65536
    try:
        for _ in range(320):
            req.write(chunk)
    except OSError as error:
        req.log_error("do_big: client went away: %s" % error)
    return apache.OK


def do_redirect(req):
    from mod_python import util
    util.redirect(req, "/elsewhere?" + (req.args or ""))
