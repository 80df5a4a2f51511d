"""Handlers for the load, restart and leak runs (test_reliability.py and
test/stress/): one per URL, named by the last path element.

Every answer names the interpreter that ran it (X-Interpreter header and
the body) and echoes the client's token (X-Token), so a response that went
to the wrong request or the wrong interpreter is caught.
"""

import hashlib
import json
import os

from mod_python import apache, util


def handler(req):
    action = req.uri.rsplit("/", 1)[-1]
    function = ACTIONS.get(action)
    if function is None:
        return apache.HTTP_NOT_FOUND
    req.headers_out["X-Interpreter"] = req.interpreter
    req.headers_out["X-Token"] = req.headers_in.get("X-Token", "")
    req.headers_out["X-Pid"] = str(os.getpid())
    return function(req)


def send(req, text, ctype="text/plain; charset=utf-8"):
    req.content_type = ctype
    req.write(text)
    return apache.OK


def do_hello(req):
    return send(req, "hello %s %s" % (req.headers_in.get("X-Token", ""),
                                      req.interpreter))


def do_alloc(req):
    """Allocate (and free) a few MB of assorted objects."""
    count = int(req.args or "20000")
    numbers = list(range(count))
    table = {str(n): [n] * 3 for n in numbers[:count // 4]}
    blob = bytearray(count * 16)
    text = "".join(str(n) for n in numbers[:2000])
    total = sum(numbers) + len(table) + len(blob) + len(text)
    return send(req, "alloc %d %s" % (total, req.interpreter))


class DeliberateError(Exception):
    pass


def do_raise(req):
    raise DeliberateError("deliberate failure %s in %s"
                          % (req.headers_in.get("X-Token", ""),
                             req.interpreter))


def do_body(req):
    """Read the body (through whatever input filter is configured) in
    pieces of assorted sizes; answer its length and SHA-256."""
    digest = hashlib.sha256()
    length = 0
    # (the first read sets the piece size the Python input filter sees)
    sizes = (8192, 1, 100, 4096, 65536, -1)
    index = 0
    while True:
        size = sizes[index % len(sizes)]
        index += 1
        data = req.read(size) if size > 0 else req.read()
        if not data:
            break
        digest.update(data)
        length += len(data)
    return send(req, "body %d %s %s" % (length, digest.hexdigest(),
                                        req.interpreter))


def do_filtered(req):
    """Several writes, sent through the RELUPPER output filter."""
    token = req.headers_in.get("X-Token", "")
    req.content_type = "text/plain; charset=utf-8"
    for part in ("filtered ", token, " ", req.interpreter):
        req.write(part, flush=False)
    req.write(" ", flush=True)
    req.write("x" * 3000)
    return apache.OK


def do_form(req):
    """util.FieldStorage on a multipart upload or a urlencoded body."""
    form = util.FieldStorage(req, keep_blank_values=1)
    result = {"interpreter": req.interpreter, "fields": {}}
    for field in form.list:
        if field.filename is not None:
            data = field.file.read()
            result["fields"][field.name] = {
                "filename": field.filename, "length": len(data),
                "sha256": hashlib.sha256(data).hexdigest()}
        else:
            result["fields"][field.name] = str(field)
    return send(req, json.dumps(result, sort_keys=True), "application/json")


def do_query(req):
    """util.parse_qs on whatever query string came (CVE-2004-0096 class:
    a leak per odd query string)."""
    parsed = util.parse_qs(req.args or "", keep_blank_values=True)
    return send(req, "query %d %s" % (len(parsed), req.interpreter))


def do_rss(req):
    """VmRSS of this process in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return send(req, line.split()[1])
    return send(req, "-1")


ACTIONS = {name[3:]: function for name, function in globals().items()
           if name.startswith("do_")}
