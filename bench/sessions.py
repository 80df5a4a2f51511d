#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Benchmark a handler that loads and saves a session on every request.

    python3 bench/sessions.py [--rounds 3] [--requests 4000] [--concurrency 8]

For each MPM (prefork, event) it starts one private httpd, a private
redis-server and PostgreSQL (test/stores.py), and runs ab (keep-alive,
--concurrency connections, each its own session) against:

  hello           bench/site/hello.py: the plain PythonHandler hello world
  session-<store> bench/site/session/sessionbench.py: Session(req), one
                  counter incremented, save(), "Hello!" -- for the stores
                  dbm, file, memory, redis, pg

Each round runs every row in turn; the ratio is the median over rounds
of (row req/s / hello req/s of the same round), so the noise of a shared
machine mostly cancels.  Never part of `make test` or CI.
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test"))

from harness import Httpd  # noqa: E402
from stores import PgServer, RedisServer  # noqa: E402

STORES = ("dbm", "file", "memory", "redis", "pg")
CONFIG = """
KeepAlive On
MaxKeepAliveRequests 0
LogLevel warn
<Directory {htdocs}>
    SetHandler mod_python
    PythonHandler hello
</Directory>
<Directory {htdocs}/session>
    PythonHandler sessionbench
    PythonOption mod_python.session.database_directory {var}
    PythonOption mod_python.session.redis_url %(redis)s
    PythonOption mod_python.session.pg_dsn "%(pg)s"
</Directory>
<Location /session/dbm>
    PythonOption mod_python.session.session_type DbmSession
</Location>
<Location /session/file>
    PythonOption mod_python.session.session_type FileSession
</Location>
<Location /session/memory>
    PythonOption mod_python.session.session_type MemorySession
</Location>
<Location /session/redis>
    PythonOption mod_python.session.session_type RedisSession
</Location>
<Location /session/pg>
    PythonOption mod_python.session.session_type PgSession
</Location>
"""


def ab(url, requests, concurrency):
    result = subprocess.run(
        ["ab", "-q", "-k", "-n", str(requests), "-c", str(concurrency), url],
        capture_output=True, text=True, timeout=600)
    match = re.search(r"Requests per second:\s+([\d.]+)", result.stdout)
    failed = re.search(r"Non-2xx responses:\s+(\d+)", result.stdout)
    if result.returncode != 0 or not match or failed:
        raise RuntimeError("ab %s failed:\n%s%s" % (url, result.stdout,
                                                   result.stderr))
    return float(match.group(1))


def bench_mpm(mpm, redis, pg, args):
    server = Httpd(mpm, CONFIG % {"redis": redis.url, "pg": pg.dsn},
                   htdocs=HERE / "site", name="mp-bench-session").start()
    rows = ["hello"] + ["session-" + store for store in STORES]
    paths = {"hello": "/hello.py"}
    paths.update({"session-" + s: "/session/" + s for s in STORES})
    rates = {row: [] for row in rows}
    try:
        for row in rows:                        # warm up every interpreter
            ab(server.url(paths[row]), 200, args.concurrency)
        for _ in range(args.rounds):
            for row in rows:
                rates[row].append(ab(server.url(paths[row]), args.requests,
                                     args.concurrency))
    finally:
        server.stop()
        server.cleanup()
    table = []
    for row in rows:
        ratios = [rate / hello for rate, hello in zip(rates[row],
                                                      rates["hello"])]
        table.append((mpm, row, statistics.median(rates[row]),
                      statistics.median(ratios)))
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--mpms", default="prefork,event")
    args = parser.parse_args()
    if not shutil.which("ab"):
        sys.exit("ab is missing (apache2-utils)")
    redis = RedisServer().start()
    pg = PgServer().start()
    try:
        table = []
        for mpm in args.mpms.split(","):
            table += bench_mpm(mpm, redis, pg, args)
    finally:
        redis.cleanup()
        pg.cleanup()
    print("| MPM | row | req/s | ratio to hello |")
    print("|---|---|---:|---:|")
    for mpm, row, rate, ratio in table:
        print("| %s | %s | %.0f | %.2f |" % (mpm, row, rate, ratio))


if __name__ == "__main__":
    main()
