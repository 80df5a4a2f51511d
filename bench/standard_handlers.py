#!/usr/bin/env python3
"""Benchmark the standard handlers: publisher and cgihandler.

    python3 bench/standard_handlers.py [--mpm prefork|event ...]
        [--duration SECONDS] [--isolation-requests N] [--upload-mib N]

For each MPM it starts a private httpd (test/harness.py) serving test/htdocs
and reports:

* wrk throughput (keep-alive, 1 and 16 connections) of a 6-byte static
  file, the tutorial's PythonHandler hello world (for reference), the
  publisher's hello.py/say (manual 6.1) and a small legacy CGI
  script through mod_python.cgihandler, with each row's ratio to static;
* the isolation run: N requests (default 10,000) from 16 concurrent
  clients to a CGI script that echoes its query string, a header and its
  body in several writes; every response is checked, errors are counted;
* with --upload-mib, the RSS growth of the child parsing a multipart upload
  of that size with util.FieldStorage.

A benchmark, not a test: it never runs in `make test` or CI.  Needs wrk
(Debian package `wrk`).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test"))

from harness import MPMS, Httpd                        # noqa: E402
import test_cgihandler                                 # noqa: E402
import test_publisher                                  # noqa: E402
import test_tutorial                                   # noqa: E402
import test_util                                       # noqa: E402

STATIC = """
<VirtualHost *:{port}>
    ServerName static.test
    DocumentRoot {htdocs}/static
</VirtualHost>
"""

ROWS = [
    ("static 6 bytes", "static.test", "/hello.txt", "Hello!"),
    ("PythonHandler hello", test_tutorial.HELLO, "/myscript.py",
     "Hello World!"),
    ("publisher hello.py/say", test_publisher.HOST,
     "/hello.py/say?what=hi", "I am saying hi"),
    ("cgihandler hello.py", test_cgihandler.HOST, "/scripts/hello.py",
     "<h1>Hello from a CGI script</h1>\n"),
]


def wrk(server, host, path, connections, duration):
    """(requests/s, p99 ms, errors) from one wrk run."""
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections),
               "-d", "%ds" % duration, "--latency", "-H", "Host: " + host,
               server.url(path)]
    output = subprocess.run(command, stdout=subprocess.PIPE, text=True,
                            check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)",
                    r"Socket errors: connect (\d+), read (\d+), "
                    r"write (\d+), timeout (\d+)"):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(n) for n in match.groups())
    return rate, float(p99.group(1)) * scale, errors


def throughput(server, duration):
    print("%-26s %5s %10s %8s %7s %6s" % ("row", "conns", "req/s", "p99 ms",
                                          "errors", "ratio"))
    for connections in (1, 16):
        static_rate = None
        for label, host, path, expected in ROWS:
            body = server.get(path, host=host).text
            assert body == expected, (label, body)
            rate, p99, errors = wrk(server, host, path, connections,
                                    duration)
            static_rate = static_rate or rate
            print("%-26s %5d %10.0f %8.2f %7d %6.2f"
                  % (label, connections, rate, p99, errors,
                     rate / static_rate))


def isolation(server, requests):
    clients = 16
    per_client = requests // clients
    started = time.monotonic()
    errors, retries = test_cgihandler.run_concurrently(
        server, clients, per_client, test_cgihandler.echo_request(server))
    elapsed = time.monotonic() - started
    total = per_client * clients
    print("cgihandler isolation: %d requests from %d clients in %.1fs "
          "(%.0f req/s), %d errors (%d requests resent after the server "
          "closed an idle keep-alive connection)"
          % (total, clients, elapsed, total / elapsed, len(errors), retries))
    for error in errors[:5]:
        print("   ", error)
    return len(errors)


def upload(server, mib):
    size = mib * 1024 * 1024 - 4096      # under LimitRequestBody (1 GiB)
    length, chunks, digest = test_util.upload_stream(size)
    status, _, data, seconds = test_util.raw_post(
        server, "/upload", length, test_util.MULTIPART, chunks=chunks)
    got = json.loads(data)
    blob = got["files"]["blob"]
    print("upload of %d MiB: status %d, digest %s, child RSS %d KiB -> peak "
          "%d KiB (+%d KiB), parse %.2fs, request %.2fs"
          % (mib, status, "ok" if blob["sha256"] == digest else "WRONG",
             got["rss_before_kib"], got["rss_peak_kib"],
             got["rss_peak_kib"] - got["rss_before_kib"],
             got["parse_seconds"], seconds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mpm", action="append", choices=MPMS)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--isolation-requests", type=int, default=10000)
    parser.add_argument("--upload-mib", type=int, default=0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    failures = 0
    for mpm in args.mpm or MPMS:
        config = "\n".join([STATIC, test_tutorial.CONFIG,
                            test_publisher.CONFIG,
                            test_cgihandler.CONFIG, test_util.CONFIG])
        server = Httpd(mpm, config, name="mp-bench")
        (server.htdocs / "static").mkdir()
        (server.htdocs / "static" / "hello.txt").write_text("Hello!")
        server.start()
        try:
            print("== %s" % mpm)
            throughput(server, args.duration)
            failures += isolation(server, args.isolation_requests)
            if args.upload_mib:
                upload(server, args.upload_mib)
            crashes = server.crash_lines()
            if crashes:
                failures += 1
                print("crashes:\n" + "\n".join(crashes))
        finally:
            server.stop()
            server.cleanup()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
