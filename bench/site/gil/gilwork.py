"""bench/gil.py's application: pure-Python work per request."""

import time

from mod_python import apache


def spin(loops):
    total = 0
    for i in range(loops):
        total += i * i
    return total


def handler(req):
    """/<app>/work?LOOPS: LOOPS iterations of pure Python (the GIL held
    throughout); /<app>/calibrate: loops per millisecond here."""
    if req.uri.endswith("/calibrate"):
        spin(200000)                    # warm up
        # CPU time of this thread: other processes' load does not count
        start = time.thread_time()
        spin(1000000)
        req.write("%d" % (1000000 / ((time.thread_time() - start) * 1000)))
        return apache.OK
    req.write("%d" % spin(int(req.args or "0")))
    return apache.OK
