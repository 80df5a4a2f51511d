"""WSGI applications for test_wsgi.py.

``application`` is wrapped in wsgiref.validate.validator: any PEP 3333
violation by the server (environ, input, errors, start_response, how the
body is iterated and closed) or by the application raises AssertionError,
which the handler turns into a 500 with the traceback in the error log.
``raw`` breaks the rules on purpose (bad headers and the like) to see the
server refuse them."""

import hashlib
import json
import os
import sys
import time
from urllib.parse import parse_qs
from wsgiref.validate import validator

from mod_python import apache


def _reply(start_response, body, status="200 OK", content_type="text/plain",
           extra=()):
    if isinstance(body, str):
        body = body.encode("utf-8")
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))]
                   + list(extra))
    return [body]


def _json(start_response, data):
    return _reply(start_response, json.dumps(data), content_type="application/json")


def _query(environ):
    return {key: values[-1] for key, values
            in parse_qs(environ["QUERY_STRING"]).items()}


def _marker(environ, name, text):
    """Write {var}/name (SetEnv MP_TEST_VAR): how a test sees close()."""
    path = os.path.join(environ["MP_TEST_VAR"], name)
    with open(path, "w") as out:
        out.write(text)


def env(environ, start_response):
    data = {key: value for key, value in environ.items() if "." not in key}
    data["wsgi"] = {
        "version": list(environ["wsgi.version"]),
        "url_scheme": environ["wsgi.url_scheme"],
        "multithread": environ["wsgi.multithread"],
        "multiprocess": environ["wsgi.multiprocess"],
        "run_once": environ["wsgi.run_once"],
        "input_terminated": environ.get("wsgi.input_terminated"),
        "file_wrapper": environ["wsgi.file_wrapper"].__name__,
        "errors_is_stderr": environ["wsgi.errors"] is sys.stderr,
    }
    data["path_info_utf8"] = environ["PATH_INFO"].encode("latin-1").decode(
        "utf-8", "replace")
    return _json(start_response, data)


def authen(req):
    """PythonAuthenHandler of test_wsgi's /authapp/: user:secret only."""
    password = req.get_basic_auth_pw()
    if req.user == "user" and password == "secret":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED


def echo(environ, start_response):
    """The body read as the query says: read (blocks), readline, iter."""
    stream = environ["wsgi.input"]
    mode = _query(environ).get("mode", "read")
    digest, size, lines = hashlib.sha256(), 0, 0
    if mode == "read":
        while True:
            block = stream.read(8192)
            if not block:
                break
            digest.update(block)
            size += len(block)
    elif mode == "readline":
        while True:
            line = stream.readline()
            if not line:
                break
            digest.update(line)
            size += len(line)
            lines += 1
    else:
        for line in stream:
            digest.update(line)
            size += len(line)
            lines += 1
    return _json(start_response, {"size": size, "sha256": digest.hexdigest(),
                                  "lines": lines})


def write_callable(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written ")
    write(b"by write()")
    return [b", returned"]


class _Closing:
    """An iterable that records that close() was called."""

    def __init__(self, environ, blocks, delay):
        self.environ = environ
        self.name = "closed-" + _query(environ).get("id", "x")
        self.blocks = blocks
        self.delay = delay

    def __iter__(self):
        for index in range(self.blocks):
            if index and self.delay:
                time.sleep(self.delay)
            yield b"block %d\n" % index

    def close(self):
        _marker(self.environ, self.name, "closed")


def closing(environ, start_response):
    query = _query(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return _Closing(environ, int(query.get("blocks", "3")),
                    float(query.get("delay", "0")))


def stream(environ, start_response):
    """Blocks with pauses: each must reach the client before the next."""
    start_response("200 OK", [("Content-Type", "text/plain")])

    def blocks():
        for index in range(3):
            yield ("%d %.3f\n" % (index, time.time())).encode()
            time.sleep(0.4)
    return blocks()


def file(environ, start_response):
    query = _query(environ)
    path = os.path.join(environ["DOCUMENT_ROOT"], "data.bin")
    handle = open(path, "rb")
    handle.seek(int(query.get("offset", "0")))
    headers = [("Content-Type", "application/octet-stream")]
    if "length" in query:
        headers.append(("Content-Length", query["length"]))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](handle, 4096)


def excinfo(environ, start_response):
    try:
        raise ValueError("failed before the body")
    except ValueError:
        start_response("200 OK", [("Content-Type", "text/plain")])
        start_response("500 Internal Server Error",
                       [("Content-Type", "text/plain")], sys.exc_info())
    return [b"replaced by the error response"]


def status(environ, start_response):
    return _reply(start_response, "custom", status="299 Custom Reason",
                  extra=[("Set-Cookie", "a=1; Path=/"),
                         ("Set-Cookie", "b=2; Path=/"),
                         ("X-Latin", "caf\u00e9")])


def length(environ, start_response):
    """Content-Length from the query, body of 10 bytes."""
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", _query(environ)["cl"])])
    return iter([b"01234", b"56789"])


def error(environ, start_response):
    raise RuntimeError("application failure marker")


def interpreter(environ, start_response):
    req = environ["mod_python.request"]
    return _json(start_response, {"interpreter": req.interpreter,
                                  "pid": os.getpid(),
                                  "module_id": id(sys.modules[__name__])})


ROUTES = {
    "/env": env, "/echo": echo, "/write": write_callable,
    "/closing": closing, "/stream": stream, "/file": file,
    "/excinfo": excinfo, "/status": status, "/length": length,
    "/error": error, "/interpreter": interpreter,
}


def route(environ, start_response):
    target = ROUTES.get(environ["PATH_INFO"], env)
    return target(environ, start_response)


application = validator(route)


# ------------------------------------------- applications that break rules

def _bad_headers(which):
    return {
        "crlf": [("X-Bad", "a\r\nInjected: yes")],
        "lf-name": [("X-Bad\nInjected", "yes")],
        "nul": [("X-Bad", "a\0b")],
        "hop": [("Connection", "close")],
        "transfer-encoding": [("Transfer-Encoding", "chunked")],
        "not-latin1": [("X-Bad", "\u20ac")],
        "not-tuple": [["X-Bad", "list"]],
    }[which]


class _WatchedFile:
    """A real file whose read() and close() leave markers."""

    def __init__(self, environ, handle):
        self.environ = environ
        self.handle = handle
        self.id = _query(environ)["id"]

    def fileno(self):
        return self.handle.fileno()

    def tell(self):
        return self.handle.tell()

    def read(self, size=-1):
        _marker(self.environ, "read-" + self.id, "read")
        return self.handle.read(size)

    def close(self):
        self.handle.close()
        _marker(self.environ, "closed-" + self.id, "closed")


def raw_file(environ, start_response):
    wrapper = file(environ, start_response)
    return environ["wsgi.file_wrapper"](_WatchedFile(environ,
                                                     wrapper.filelike))


def _late_failure(which, start_response):
    """A streamed body that goes wrong after its first block was sent."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"first block;"
    if which == "late-error":
        raise RuntimeError("late failure marker")
    if which == "late-notbytes":
        yield 42
    try:
        raise ValueError("late failure marker")
    except ValueError:
        start_response("500 Oops", [], sys.exc_info())
    yield b"not sent"


def raw(environ, start_response):
    which = environ["PATH_INFO"].strip("/")
    if which == "file":
        return raw_file(environ, start_response)
    if which == "lines":        # iter(wsgi.input) itself, no validator
        lines = [len(line) for line in environ["wsgi.input"]]
        return _json(start_response, {"lines": len(lines),
                                      "size": sum(lines)})
    if which == "nostart":
        return [b"no start_response"]
    if which == "twice":
        start_response("200 OK", [])
        start_response("200 OK", [])
        return [b"twice"]
    if which == "notbytes":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine", 42]
    if which == "str":          # 3.5 accepted str blocks: sent as UTF-8
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["caf\u00e9 ", b"and bytes"]
    if which in ("late-error", "late-notbytes", "late-excinfo"):
        return _late_failure(which, start_response)
    if which == "badstatus":
        start_response("OK", [])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain")]
                   + _bad_headers(which))
    return [b"should not be sent"]
