"""Handlers for test_defects.py: defects found by reading the code."""

import json

from mod_python import apache

LONG_LIVED = apache.table()


def vm_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def handler(req):
    name = req.uri.rstrip("/").rsplit("/", 1)[-1]
    result = globals()["do_" + name](req)
    if result is not None:
        req.content_type = "application/json"
        req.write(json.dumps(result))
    return apache.OK


def do_lookups(req):
    """Reads and deletes of a 4 KiB key that is never there: neither the
    long-lived table's pool nor the request's may grow."""
    key = "k" * 4096
    table = LONG_LIVED
    before = vm_rss_kib()
    for _ in range(5000):
        table.get(key)
        key in table
        table.pop(key, None)
        try:
            del table[key]
        except KeyError:
            pass
        req.headers_in.get(key)
        key in req.headers_in
    return {"growth_kib": vm_rss_kib() - before}


def do_popitem(req):
    """popitem() until empty, five times over 2,000 entries."""
    table = apache.table()
    before = vm_rss_kib()
    for _ in range(5):
        for i in range(2000):
            table["k%d" % i] = "v"
        while table:
            table.popitem()
    return {"growth_kib": vm_rss_kib() - before, "left": len(table)}


def do_self_assign(req):
    req.headers_out["X-One"] = "1"
    req.headers_out.add("X-Two", "2")
    req.headers_out.add("X-Two", "2b")
    req.err_headers_out["X-Err"] = "e"
    req.headers_out = req.headers_out
    shared = req.err_headers_out
    req.err_headers_out = shared
    req.content_type = "text/plain"
    req.write("assigned")


def do_log(req):
    marker = req.args or "m"
    for name, log in (("req", req.log_error),
                      ("conn", req.connection.log_error),
                      ("server", req.server.log_error),
                      ("apache", apache.log_error)):
        log("%s-%s caf\udce9 str" % (name, marker))
        log(("%s-%s bytes \xff" % (name, marker)).encode("latin-1"))
        log("%s-%s nul\x00after" % (name, marker))
    req.content_type = "text/plain"
    req.write("logged " + marker)


def logfilter(filter):
    marker = filter.req.args or "m"
    filter.log_error("filter-%s caf\udce9 str" % marker)
    filter.log_error(("filter-%s bytes \xff" % marker).encode("latin-1"))
    filter.log_error("filter-%s nul\x00after" % marker)
    filter.pass_on()
