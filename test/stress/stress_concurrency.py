#!/usr/bin/env python3
"""Concurrency: many keep-alive clients across three virtual hosts with
three interpreters, for a while.

    python3 test/stress/stress_concurrency.py [--mpm event] [--clients 100]
                                              [--duration 60]

Handlers allocate, raise (500 with PythonDebug On), read bodies through a
Python input filter, write through a Python output filter, parse uploads
with util.FieldStorage and queries with util.parse_qs; the publisher and
the cgihandler run too.  Passes when every request got the right answer
(status, body, the interpreter that ran it, the client's token), with no
timeout or socket error, no crashed child in the error log, and the same
child processes at the end as at the start.
"""

import argparse
import sys

import stresscommon as common
from stresscommon import loadlib

SCENARIOS = ("hello", "alloc", "raise", "body", "filter", "upload",
             "publisher", "cgi", "query")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mpm", default="event")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)

    server = common.start(args.mpm, loadlib.load_settings(args.mpm,
                                                          args.clients)
                          + loadlib.CONFIG, name="mp-stress-conc")
    try:
        children_before = sorted(loadlib.live_children(server))
        common.log("%d clients for %ss on %s, children %s"
                   % (args.clients, args.duration, args.mpm,
                      children_before))
        result = common.run_load_processes(server, SCENARIOS, args.clients,
                                           args.processes,
                                           duration=args.duration)
        children_after = sorted(loadlib.live_children(server))
    finally:
        stop_seconds, crashes, hangs = common.finish(server)
    print(result.summary())
    figures = result.as_dict()
    figures.update(mpm=args.mpm, clients=args.clients,
                   crash_lines=crashes[:5], children_replaced=sorted(
                       set(children_before) ^ set(children_after)),
                   stop_seconds=round(stop_seconds, 2))
    ok = (result.failures == 0 and sum(result.errors.values()) == 0
          and not crashes and not hangs
          and children_before == children_after
          and set(result.by_scenario) == set(SCENARIOS))
    return common.report("concurrency-%s" % args.mpm, ok, figures)


if __name__ == "__main__":
    sys.exit(main())
