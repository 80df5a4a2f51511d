#!/usr/bin/env python3
"""Leaks: many requests of each standard scenario to a server with one
child process, whose RSS is then that of every request.

    python3 test/stress/stress_leaks.py [--mpm prefork] [--requests 100000]
        [--warmup 10000] [--scenarios hello,publisher,cgi,filter,upload,...]

For each scenario a fresh server (prefork: StartServers 1,
MaxRequestWorkers 1; event: one process) gets --warmup requests, then
--requests more on one keep-alive connection; the child's VmRSS is read
from /proc after the warm-up and every tenth of the run.  Passes when
every answer was right and, for every scenario, the RSS after the run is
less than 1 MiB (--bound-kib) above the RSS after the warm-up, with the
same child process throughout.

Scenarios (test/stress/loadlib.py): hello (a plain handler), publisher,
cgi (cgihandler), filter (Python output filter), upload (multipart through
util.FieldStorage), query (odd query strings through util.parse_qs, the
CVE-2004-0096 class), raise (an exception, 500 with PythonDebug On),
body (request body through a Python input filter).
"""

import argparse
import sys
import time

import stresscommon as common
from stresscommon import loadlib

DEFAULT_SCENARIOS = "hello,publisher,cgi,filter,upload,query,raise,body"


def one_scenario(mpm, name, warmup, requests, samples=10):
    server = common.start(mpm, loadlib.single_child_settings(mpm)
                          + loadlib.CONFIG, name="mp-stress-leak")
    failures = []
    try:
        scenarios = loadlib.Scenarios(server.htdocs)
        choose = loadlib.mix(scenarios, [name])
        warm = loadlib.run_load(server.port, choose, 1, requests=warmup,
                                seed=3)
        children = loadlib.live_children(server)
        if len(children) != 1:
            failures.append("expected one child, found %s" % children)
        child = children[0]
        rss = [loadlib.rss_kib(child)]
        total = loadlib.LoadResult()
        total.merge(warm)
        started = time.monotonic() - warm.elapsed
        step = max(1, requests // samples)
        done = 0
        while done < requests:
            count = min(step, requests - done)
            part = loadlib.run_load(server.port, choose, 1, requests=count,
                                    seed=10 + done)
            total.merge(part)
            done += count
            rss.append(loadlib.rss_kib(child))
        total.elapsed = time.monotonic() - started
        if loadlib.live_children(server) != [child]:
            failures.append("the child was replaced: %s"
                            % loadlib.live_children(server))
    finally:
        stop_seconds, crashes, hangs = common.finish(server)
    failures += crashes[:5]
    common.log("%s: RSS (KiB) after %d warm-up requests and each tenth of "
               "%d more: %s" % (name, warmup, requests, rss))
    return total, rss, failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mpm", default="prefork")
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--warmup", type=int, default=10000)
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    parser.add_argument("--bound-kib", type=int, default=1024)
    args = parser.parse_args(argv)

    figures = {"mpm": args.mpm, "requests_per_scenario": args.requests,
               "warmup": args.warmup, "bound_kib": args.bound_kib,
               "scenarios": {}}
    ok = True
    for name in args.scenarios.split(","):
        result, rss, failures = one_scenario(args.mpm, name, args.warmup,
                                             args.requests)
        growth = rss[-1] - rss[0]
        passed = (not failures and result.failures == 0
                  and sum(result.errors.values()) == 0
                  and growth < args.bound_kib)
        ok = ok and passed
        figures["scenarios"][name] = {
            "requests": result.requests, "failed": result.failures
            + sum(result.errors.values()), "rss_kib": rss,
            "growth_kib": growth, "problems": failures
            + result.failure_samples[:3], "ok": passed}
        print(result.summary())
        common.log("%s: %s, growth %d KiB" % (name, "ok" if passed
                                               else "FAILED", growth))
    return common.report("leaks-%s" % args.mpm, ok, figures)


if __name__ == "__main__":
    sys.exit(main())
