"""Filters and handlers for test_filters.py."""
import os

from mod_python import apache

KEPT = []


def _peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def broken(filter):
    """Raises in the middle of a response."""
    data = filter.read()
    filter.write(data)
    raise RuntimeError("filter broke on purpose")


def keeper(filter):
    """Passes data on, keeping the filter object for after the call."""
    KEPT.append(filter)
    filter.pass_on()


def closer(filter):
    """Closes, then tries to read: must raise."""
    data = filter.read()
    while data:
        filter.write(data)
        data = filter.read()
    if data is None:
        filter.close()
        try:
            filter.read()
        except OSError:
            apache.log_error("closer: read after close raised OSError")


def marker(filter):
    """Appends [main] or [sub] depending on the request the filter runs in."""
    data = filter.read()
    while data:
        filter.write(data)
        data = filter.read()
    if data is None:
        filter.write("[sub]" if filter.req.main is not None else "[main]")
        filter.close()


def describe(filter):
    """Writes the filter's members before the data."""
    if not getattr(filter.req, "described", False):
        filter.req.described = True
        filter.write("name=%s handler=%s is_input=%s closed=%s\n" % (
            filter.name, filter.handler, filter.is_input, filter.closed))
    filter.pass_on()


def rss(req):
    req.content_type = "text/plain"
    req.write("%d %d" % (os.getpid(), _peak_kib()))
    return apache.OK


def big(req):
    """10 MiB in 64 KiB writes, without flushing each one."""
    req.content_type = "text/plain"
    chunk = b"abcdefghijklmnop" * 4096
    for _ in range(160):
        req.write(chunk, 0)
    return apache.OK


def small_writes(req):
    req.content_type = "text/plain"
    for i in range(1000):
        req.write("w%d," % i)
    return apache.OK


def echo_body(req):
    req.content_type = "application/octet-stream"
    req.write(req.read())
    return apache.OK


def use_kept(req):
    """Uses a filter object after its call ended: must raise."""
    req.content_type = "text/plain"
    if not KEPT:
        req.write("nothing kept")
        return apache.OK
    try:
        KEPT[-1].read()
    except RuntimeError as exc:
        req.write("RuntimeError: %s" % exc)
    return apache.OK


def dynamic(req):
    """Registers and adds a filter from the handler."""
    req.register_output_filter("DYNCAP", "capitalize")
    req.add_output_filter("DYNCAP")
    req.content_type = "text/plain"
    req.write("added at run time")
    return apache.OK


def unknown_filter(req):
    try:
        req.add_output_filter("NO_SUCH_FILTER_ANYWHERE")
    except ValueError as exc:
        req.content_type = "text/plain"
        req.write("ValueError: %s" % exc)
        return apache.OK
    return apache.HTTP_INTERNAL_SERVER_ERROR


def mixed_writes(req):
    """Unflushed small writes (kept by mod_python), flushed ones and a
    large one must reach the client in order."""
    req.content_type = "text/plain"
    req.write("a", 0)
    req.write(b"b", 0)
    req.write("c")
    req.write("d" * 5000, 0)
    req.write("e" * 5000, 0)            # exceeds the buffer: handed over
    req.write("f", 0)
    req.write("g" * 20000, 0)
    req.write("h", 0)
    return apache.OK


def small_unflushed(req):
    req.content_type = "text/plain"
    for piece in ("one ", "two ", "three"):
        req.write(piece, 0)
    return apache.OK
