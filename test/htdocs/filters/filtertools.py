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
    """Raises in the middle of a response, after passing on what it read."""
    data = filter.read()
    filter.write(data)
    raise RuntimeError("filter broke on purpose")


def broken_early(filter):
    """Raises before taking any data: the response passes through whole."""
    raise RuntimeError("filter broke early on purpose")


def cut_short(filter):
    """Takes the data of its first call, writes 5 bytes of it and raises."""
    data = filter.read()
    filter.write(data[:5])
    raise RuntimeError("cut_short broke on purpose")


def fail_second_call(filter):
    """Passes its first call's data on, raises in the next call."""
    if getattr(filter.req, "filtered_once", False):
        raise RuntimeError("fail_second_call broke on purpose")
    filter.req.filtered_once = True
    data = filter.read()
    while data:
        filter.write(data)
        data = filter.read()
    if data is None:
        filter.close()


def cut_at_boom(filter):
    """Passes data on until it reads b"boom"; then writes a little, raises."""
    data = filter.read()
    while data:
        if b"boom" in data:
            filter.write(data[:2])
            raise RuntimeError("cut_at_boom broke on purpose")
        filter.write(data)
        data = filter.read()
    if data is None:
        filter.close()


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


def upper_once(filter):
    """Upper-cases what its first call reads, then disables itself: the
    rest of the request's data passes unchanged, without further calls."""
    CALLS.append(filter.name)
    s = filter.read()
    while s:
        filter.write(s.upper())
        s = filter.read()
    filter.disable()
    if s is None:
        filter.close()


CALLS = []


def upper_first_read(filter):
    """Input: upper-cases what one read of its first call gives, then
    disables itself; later reads of the handler get the body as sent."""
    CALLS.append(filter.name)
    s = filter.read()
    if s:
        filter.write(s.upper())
    filter.disable()
    if s is None:
        filter.close()


def calls(req):
    """How many times upper_once ran in this process (and reset)."""
    req.content_type = "text/plain"
    req.write("%d" % len(CALLS))
    del CALLS[:]
    return apache.OK


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


def three_parts(req):
    req.content_type = "text/plain"
    for part in ("one,", "two,", "three"):
        req.write(part)
    return apache.OK


def read_in_parts(req):
    """Reads the body 1000 bytes at a time (one input-filter call each)."""
    req.content_type = "application/octet-stream"
    while True:
        data = req.read(1000)
        if not data:
            break
        req.write(data, 0)
    return apache.OK


def dynamic_input(req):
    """Registers and adds an input filter from the handler, then reads
    the body through it."""
    req.register_input_filter("DYNIN", "capitalize")
    req.add_input_filter("DYNIN")
    return echo_body(req)


def fixup_adds_input(req):
    """A fixup registers and adds the input filter the handler reads
    through."""
    req.register_input_filter("DYNIN2", "capitalize")
    req.add_input_filter("DYNIN2")
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


STREAM_PARTS = ("part one\n", "boom part two\n", "end\n")


def streamed(req):
    """Three flushed writes: the first reaches the client before the
    second is filtered."""
    req.content_type = "text/plain"
    if req.args == "length":
        req.set_content_length(len("".join(STREAM_PARTS)))
    for part in STREAM_PARTS:
        req.write(part)
    return apache.OK


def small_unflushed(req):
    req.content_type = "text/plain"
    for piece in ("one ", "two ", "three"):
        req.write(piece, 0)
    return apache.OK


def _rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def many_calls(req):
    """100,000 flushed writes: as many calls of the output filter.  The
    last line is the child's RSS growth (KiB) over the last 90,000."""
    req.content_type = "text/plain"
    chunk = b"x" * 49 + b"\n"
    for i in range(100000):
        if i == 10000:
            before = _rss_kib()
        req.write(chunk)
    req.write("growth %d\n" % (_rss_kib() - before))
    return apache.OK


def with_length(req):
    """Declares the length of its body, which a filter then changes."""
    req.content_type = "text/plain"
    req.set_content_length(6)
    req.write("static", 0)
    return apache.OK
