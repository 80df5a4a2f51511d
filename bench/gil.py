#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Per-interpreter GIL: two applications in one threaded httpd process.

    MP_MODULE=/path/to/mod_python.so (built against Python >= 3.12) \\
    LD_LIBRARY_PATH=<that Python's lib> python3 bench/gil.py [--rounds 3]

Two applications, each in its own named interpreter, each a handler doing
--work-ms of pure-Python work per request (calibrated in the embedded
Python first), loaded by two wrk processes of --connections/2 keep-alive
connections each, at the same time.  Rows, all in the same run:

  event-own     event MPM, ONE child (ServerLimit 1, ThreadsPerChild 16),
                PythonInterpreterGIL own: the two interpreters have a GIL
                each, so their Python code can run on two cores at once
  event-shared  the same, PythonInterpreterGIL shared: one GIL for both
  prefork-2     prefork MPM with two children (shared GIL in each): what
                one would do without own-GIL interpreters

req/s is the sum of both wrk processes; each figure is the median over
--rounds.  "cores used" is the CPU time of the httpd children per second
of the run: the parallelism they actually got, which other processes on a
shared machine reduce (own GIL: up to 2 on two free cores; a shared GIL:
at most 1); "CPU ms per request" divides one by the other.  wrk's read errors under the event MPM are keep-alive
connections the MPM closes when all 16 threads are busy (wrk reconnects).  The rows of one round run one after the other, so a noisy
neighbour hurts them alike; the load average is printed before and after.
Benchmarks never run in `make test` or CI.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "test"))

from harness import Httpd  # noqa: E402
from run import cpu_ticks, parse_wrk  # noqa: E402

SITE = HERE / "site" / "gil"
WRK = os.environ.get("MP_BENCH_WRK") or shutil.which("wrk") or "wrk"

ONE_CHILD = """
StartServers 1
ServerLimit 1
ThreadsPerChild {threads}
MaxRequestWorkers {threads}
MinSpareThreads 1
MaxSpareThreads {threads}
"""

# KeepAlive Off: with two processes, 16 keep-alive connections would
# starve (a child serves one connection until the client closes it)
TWO_CHILDREN = """
KeepAlive Off
StartServers 2
ServerLimit 2
MaxRequestWorkers 2
MinSpareServers 2
MaxSpareServers 2
"""

APPS = """
KeepAlive On
MaxKeepAliveRequests 0
LogLevel warn
<Location /app_a>
    SetHandler mod_python
    PythonHandler gilwork
    PythonInterpreter app_a
    {gil}
</Location>
<Location /app_b>
    SetHandler mod_python
    PythonHandler gilwork
    PythonInterpreter app_b
    {gil}
</Location>
"""

ROWS = {
    "event-own": ("event", ONE_CHILD, "PythonInterpreterGIL own"),
    "event-shared": ("event", ONE_CHILD, "PythonInterpreterGIL shared"),
    "prefork-2": ("prefork", TWO_CHILDREN, ""),
}


def start(row, threads):
    mpm, limits, gil = ROWS[row]
    server = Httpd(mpm, APPS.format(gil=gil) + limits.format(threads=threads),
                   htdocs=SITE,
                   name="mp-bench-gil", extra_pythonpath=["."])
    return server.start(timeout=30)


def wrk(url, connections, duration, results, key):
    result = subprocess.run(
        [WRK, "-t1", "-c%d" % connections, "-d%ds" % duration, "--timeout",
         "10s", "--latency", url], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise RuntimeError("wrk failed:\n" + result.stdout)
    results[key] = parse_wrk(result.stdout)
    for line in result.stdout.splitlines():     # say what the errors were
        if "Non-2xx" in line or "Socket errors" in line:
            print("  %s: %s" % (url, line.strip()))


def measure(server, loops, connections, duration):
    """Both applications under load at once: (req/s, p99 ms, errors,
    cores): cores is the CPU time the httpd children used per second of
    the run, the parallelism they got whatever the req/s."""
    for app in ("app_a", "app_b"):          # interpreters made, modules in
        for _ in range(3):
            server.get("/%s/work?%d" % (app, loops))
    results = {}
    children = server.child_pids()
    ticks = cpu_ticks(children)
    started = time.monotonic()
    threads = [threading.Thread(target=wrk, args=(
        server.url("/%s/work?%d" % (app, loops)), connections // 2,
        duration, results, app)) for app in ("app_a", "app_b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cores = ((cpu_ticks(children) - ticks) / os.sysconf("SC_CLK_TCK")
             / (time.monotonic() - started))
    rps = sum(results[app][0] for app in results)
    p99 = max(results[app][1] or 0 for app in results)
    errors = sum(results[app][2] for app in results)
    return rps, p99, errors, cores


def load_average():
    return " ".join("%.2f" % value for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10,
                        help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--work-ms", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=16,
                        help="ThreadsPerChild of the event rows")
    args = parser.parse_args()

    servers = {}
    try:
        for row in ROWS:
            servers[row] = start(row, args.threads)
        per_ms = int(servers["event-shared"].get("/app_a/calibrate").text)
        loops = int(per_ms * args.work_ms)
        print("embedded Python: %s; %d loops = %.1f ms of pure Python "
              "(calibrated: %d loops/ms)" % (
                  python_version(servers["event-shared"]), loops,
                  args.work_ms, per_ms))
        print("load average before: %s (%d cores)" % (load_average(),
                                                      os.cpu_count()))
        figures = {row: [] for row in ROWS}
        for _ in range(args.rounds):
            for row in ROWS:
                figures[row].append(measure(servers[row], loops,
                                            args.connections, args.duration))
        print("load average after:  %s" % load_average())
    finally:
        for server in servers.values():
            server.stop()
            server.cleanup()

    def column(row, index):
        return statistics.median(values[index] for values in figures[row])

    shared = column("event-shared", 0)
    print()
    print("| row | req/s | vs event-shared | p99 ms | wrk errors | "
          "cores used | CPU ms per request |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in ROWS:
        print("| %s | %.0f | %.2fx | %.1f | %d | %.2f | %.2f |" % (
            row, column(row, 0), column(row, 0) / shared, column(row, 1),
            sum(values[2] for values in figures[row]), column(row, 3),
            1000 * column(row, 3) / column(row, 0)))
    print("\nper round (req/s): " + "; ".join(
        "%s %s" % (row, ", ".join("%.0f" % values[0] for values in rounds))
        for row, rounds in figures.items()))


def python_version(server):
    """The embedded Python's version, from the Server banner."""
    banner = server.get("/app_a/calibrate").headers.get("Server", "")
    return next((word for word in banner.split()
                 if word.startswith("Python/")), banner)


if __name__ == "__main__":
    main()
