#!/usr/bin/env python3
"""Graceful restarts under load, compared with the same run on a static
file.

    python3 test/stress/stress_restarts.py [--mpm event] [--clients 20]
                                           [--duration 60] [--interval 2]

Two runs, each on a fresh server: keep-alive clients request Python
handlers (plain handler, body through an input filter, output filter,
upload, publisher; no deliberate errors), then the static file, while
`apache2 -k graceful` is sent every --interval seconds.  Apache itself
closes idle keep-alive connections of the old generation on a graceful
restart: a client that sends its next request just then sees the
connection closed before any answer ("idle keep-alive closed"), whatever
the module, so that figure is compared with the static run.

Passes when the Python run has 0 non-2xx answers, 0 wrong answers, 0
timeouts, 0 other socket errors, no more idle closes than
2 x static + 10, a parent RSS that grows by at most 1 MiB from the 5th
restart to the last, no 'still did not exit' in the error log, no crashed
child, and `-k stop` afterwards in under 2 s.
"""

import argparse
import sys
import threading
import time

import stresscommon as common
from stresscommon import loadlib

PYTHON_SCENARIOS = ("hello", "alloc", "body", "filter", "upload",
                    "publisher")
MAX_PARENT_GROWTH_KIB = 1024


def one_run(mpm, names, clients, duration, interval):
    server = common.start(mpm, loadlib.load_settings(mpm, clients)
                          + loadlib.CONFIG, name="mp-stress-restart")
    holder = {}
    restarts = 0
    sizes = []
    try:
        parent = server.parent_pid()
        sizes.append(loadlib.rss_kib(parent))
        load = threading.Thread(target=lambda: holder.setdefault(
            "result", common.run_load_processes(server, names, clients,
                                                duration=duration)))
        load.start()
        started = time.monotonic()
        while time.monotonic() - started + interval < duration:
            next_time = started + (restarts + 1) * interval
            time.sleep(max(0.0, next_time - time.monotonic()))
            server.graceful(timeout=30)
            restarts += 1
            sizes.append(loadlib.rss_kib(parent))
        load.join()
    finally:
        stop_seconds, crashes, hangs = common.finish(server)
    result = holder["result"]
    print(result.summary())
    common.log("%d gracefuls; parent RSS (KiB): %s; -k stop %.2fs"
               % (restarts, sizes, stop_seconds))
    return result, restarts, sizes, stop_seconds, crashes, hangs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mpm", default="event")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--interval", type=float, default=2)
    args = parser.parse_args(argv)

    common.log("Python handlers, graceful every %ss for %ss"
               % (args.interval, args.duration))
    python = one_run(args.mpm, PYTHON_SCENARIOS, args.clients,
                     args.duration, args.interval)
    common.log("static file, the same run")
    static = one_run(args.mpm, ("static",), args.clients, args.duration,
                     args.interval)

    result, restarts, sizes, stop_seconds, crashes, hangs = python
    static_result = static[0]
    non_2xx = sum(count for status, count in result.by_status.items()
                  if not 200 <= status < 300)
    steady = sizes[min(5, len(sizes) - 1):]
    growth = steady[-1] - steady[0] if steady else 0
    figures = {
        "mpm": args.mpm, "clients": args.clients, "restarts": restarts,
        "python": result.as_dict(), "static": static_result.as_dict(),
        "non_2xx": non_2xx, "parent_rss_kib": sizes,
        "parent_growth_kib": growth, "stop_seconds": round(stop_seconds, 2),
        "static_stop_seconds": round(static[3], 2),
        "crash_lines": (crashes + static[4])[:5],
        "still_did_not_exit": len(hangs) + len(static[5]),
    }
    ok = (non_2xx == 0 and result.failures == 0
          and result.errors["timeout"] == 0
          and result.errors["socket"] == 0
          and result.errors["closed-idle"]
          <= 2 * static_result.errors["closed-idle"] + 10
          and growth <= MAX_PARENT_GROWTH_KIB
          and stop_seconds < 2.0 and not crashes and not hangs
          and not static[4] and not static[5])
    return common.report("restarts-%s" % args.mpm, ok, figures)


if __name__ == "__main__":
    sys.exit(main())
