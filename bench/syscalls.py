#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""System calls per request of bench/run.py rows, counted with strace.

    python3 bench/syscalls.py [--mpm event] [--connections 16] ROW [ROW ...]

e.g. ``python3 bench/syscalls.py handler handler-flush mp3.5-handler-flush``
or ``--mpm prefork publisher static``.  For each row it starts the row's
private httpd (bench/run.py's configuration), warms it up with ab, then
attaches ``strace -c -f`` to every child while wrk loads the row's URL for
--duration seconds with --connections keep-alive connections, and prints
each system call's count divided by the requests wrk completed.

Counts per request are what tells where a request's time goes besides
Python: a ``stat`` of a file that need not be looked at, a ``read`` or
``epoll_ctl`` more per request because the connection went back to the
event MPM's listener (how the end of streamed responses was found, see
Doc/benchmarks.rst), a ``futex`` storm between threads.  strace slows the
children by a large factor, so req/s under it mean nothing; the counts per
request do not depend on the speed.  Installs nothing: needs strace, wrk
and ab (scripts/install-deps.sh installs them).  Never part of `make test`.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "test"))

import run  # noqa: E402


def count_calls(strace_output):
    """{system call: calls} from the table of ``strace -c``."""
    calls = {}
    for line in strace_output.splitlines():
        fields = line.split()
        # % time, seconds, usecs/call, calls, [errors,] syscall
        if len(fields) >= 5 and fields[3].isdigit() \
                and re.match(r"^[a-z_0-9]+$", fields[-1]) \
                and fields[-1] != "total":
            calls[fields[-1]] = int(fields[3])
    return calls


def measure(name, mpm, connections, duration):
    path, config, arguments, available = run.find_row(name)
    if not available():
        print("== %s: not available here (see bench/run.py)" % name)
        return
    server = run.start_server(mpm, config, **arguments)
    output = server.tmp / ("strace-%s.txt" % name)
    try:
        url = server.url(path)
        run.load_requests(url, 2000, 8)         # modules in, children up
        command = [shutil.which("strace") or "strace", "-c", "-f",
                   "-o", str(output)]
        for pid in server.child_pids():
            command += ["-p", str(pid)]
        tracer = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(1)                           # attached to every thread
        result = subprocess.run(
            [run.WRK, "-t1", "-c%d" % connections, "-d%ds" % duration, url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=duration + 60)
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=60)
        done = re.search(r"(\d+) requests in", result.stdout)
        if done is None or int(done.group(1)) == 0:
            raise RuntimeError("wrk completed no request:\n" + result.stdout)
        requests = int(done.group(1))
        calls = count_calls(output.read_text())
        print("== %s (%s, %d connections): %d requests under strace"
              % (name, mpm, connections, requests))
        for call, count in sorted(calls.items(), key=lambda item: -item[1]):
            if count / requests >= 0.01:
                print("   %-18s %7.2f per request" % (call,
                                                      count / requests))
    finally:
        server.stop()
        server.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", metavar="ROW",
                        help="rows of bench/run.py: %s" % ", ".join(
                            list(run.ROWS) + list(run.OPTIONAL_ROWS)))
    parser.add_argument("--mpm", default="event",
                        choices=sorted(run.MPM_LIMITS))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=3,
                        help="seconds of wrk under strace")
    args = parser.parse_args(argv)
    unknown = [name for name in args.rows
               if name not in run.ROWS and name not in run.OPTIONAL_ROWS]
    if unknown:
        parser.error("unknown rows: %s" % ", ".join(unknown))
    # as bench/run.py does: mod_python 3.5 finds its Python through PATH
    os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
        "/usr/bin:/sbin:/bin"
    for name in args.rows:
        measure(name, args.mpm, args.connections, args.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
