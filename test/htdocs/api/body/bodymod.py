"""Handlers for test_api_body.py: read, readline, readlines."""

import hashlib
import os

import apitest
from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "..", "var")


def handler(req):
    return apitest.dispatch(req, globals())


def summary(data, calls):
    return {"sha256": hashlib.sha256(data).hexdigest(), "length": len(data),
            "calls": calls, "type": type(data).__name__}


def t_read(req):
    data = req.read()
    return dict(summary(data, 1), again=len(req.read()))


def t_read_sized(req):
    size = int(req.args or 1000)
    parts = []
    while True:
        part = req.read(size)
        if not part:
            break
        assert len(part) <= size
        parts.append(part)
    return summary(b"".join(parts), len(parts))


def t_readline_1(req):
    parts = []
    while True:
        part = req.readline(1)
        if not part:
            break
        parts.append(part)
    return summary(b"".join(parts), len(parts))


def t_readline(req):
    lines = []
    while True:
        line = req.readline()
        if not line:
            break
        lines.append(line)
    result = summary(b"".join(lines), len(lines))
    result["all_end_in_newline"] = all(line.endswith(b"\n")
                                       for line in lines[:-1])
    return result


def t_readline_limited(req):
    return [req.readline(3).decode(), req.readline(100).decode(),
            req.readline().decode(), req.read().decode()]


def t_readlines(req):
    hint = int(req.args) if req.args else None
    lines = req.readlines(hint) if hint else req.readlines()
    rest = req.read()
    result = summary(b"".join(lines) + rest, len(lines))
    result["rest"] = len(rest)
    result["types"] = sorted({type(line).__name__ for line in lines})
    return result


def t_mixed(req):
    first = req.readline()
    some = req.read(5)
    rest = req.read()
    return [first.decode(), some.decode(), rest.decode()]


def t_timeout(req):
    started = __import__("time").time()
    try:
        req.read()
        outcome = "no error"
    except IOError as exc:          # IOError is OSError
        outcome = "%s: %s" % (type(exc).__name__, exc)
    elapsed = __import__("time").time() - started
    with open(os.path.join(VAR, req.headers_in["X-Trace-Id"]), "w") as out:
        out.write(outcome)
    req.content_type = "text/plain"
    try:
        req.write("%s after %.1fs" % (outcome, elapsed))
    except OSError:
        pass
    return apache.OK


def t_quick(req):
    req.content_type = "text/plain"
    req.write("quick")
    return apache.OK
