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
        # the fastest of several tries, in CPU time of this thread: what
        # other processes on the machine do counts as little as it can
        spin(200000)                    # warm up
        best = None
        for _ in range(7):
            start = time.thread_time()
            spin(300000)
            used = time.thread_time() - start
            best = used if best is None else min(best, used)
        req.write("%d" % (300000 / (best * 1000)))
        return apache.OK
    req.write("%d" % spin(int(req.args or "0")))
    return apache.OK
