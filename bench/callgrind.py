#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Instructions per request of publisher URLs, measured with callgrind.

    python3 bench/callgrind.py [--tree DIR] URL [URL ...]

e.g. ``python3 bench/callgrind.py /pub.py/hello /pub/hello``, or
``--handler mod_python.psp /table.psp`` and ``--handler table /table``
(a PSP page and the same page as a handler), or ``--handler hello_flush
/x`` for the tutorial's hello world (bench/site/hello_flush.py).  For each
URL it runs ``apache2 -X`` (prefork) under ``valgrind --tool=callgrind``
twice, serving bench/site with ``PythonHandler mod_python.publisher``
(or --handler) for every URL, sends 100 and then 1,100 keep-alive requests, and prints
the difference of the two instruction totals divided by 1,000: the cost
of one request with the interpreter's start-up and the first requests
taken out.  Instruction counts repeat within about 0.5% on a noisy shared
machine, where req/s does not.  --tree measures another checkout (its
built src/mod_python.so and lib/python), e.g. a worktree of an older
commit, for a before/after comparison.  Never part of `make test`.

    python3 bench/callgrind.py --row wsgi --row mod_wsgi

measures rows of bench/run.py instead (their configuration and URL, e.g.
the WSGI hello world under mod_python.wsgi and under mod_wsgi).

    python3 bench/callgrind.py --table

prints the table of issue 20 in one command: instructions per request
counted only inside ap_process_request (valgrind --toggle-collect) for
Apache serving a 6-byte file, mod_python 3.5's hello world with a
flushing and an unflushed write (Debian's package, unpacked by
scripts/bench.sh), ours both ways, our publisher hello and a handler that
raises SERVER_RETURN: the rows of bench/run.py, same configuration for
3.5 and ours.  --collect FUNCTION counts inside another function (or
"all": the whole process) for --row too; --keep DIR keeps the
callgrind.out files for callgrind_annotate; --jobs N measures N rows at
once (the counts do not depend on the machine's load).
"""

import argparse
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEEP = None     # --keep: where the callgrind.out files are copied

CONFIG = """
MaxKeepAliveRequests 0
KeepAliveTimeout 120
<Directory {htdocs}>
    SetHandler mod_python
    PythonHandler mod_python.publisher
</Directory>
"""


def instructions(tree, path, requests, config=CONFIG, collect=None,
                 **httpd_arguments):
    """Total instructions of a server -X that answered requests of path
    (with collect, a function name: only those made inside it)."""
    sys.path.insert(0, str(tree / "test"))
    import harness
    harness.REPO = tree
    server = harness.Httpd("prefork", config, htdocs=tree / "bench" / "site",
                           name="mp-callgrind", **httpd_arguments)
    sys.path.insert(0, str(HERE))
    import run
    run.copy_alternatives(server)
    out = server.tmp / "callgrind.out"
    # the child writes it after switching to the unprivileged User
    out.touch()
    os.chmod(out, 0o666)
    command = ["valgrind", "--tool=callgrind",
               "--callgrind-out-file=%s" % out]
    if collect:
        command.append("--toggle-collect=%s" % collect)
    environment = server.environment()
    # the same dict layouts (and so instructions) in every run
    environment["PYTHONHASHSEED"] = "0"
    # Debian's apache2ctl PATH, as bench/run.py gives its servers: mod_python
    # 3.5 finds its Python through PATH (a pyenv python3 first breaks it)
    environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
        "/usr/bin:/sbin:/bin"
    process = subprocess.Popen(
        command + [server.binary, "-X", "-f", str(server.conf)],
        env=environment, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        sock = connect(server.port)
        with sock, sock.makefile("rb") as replies:
            request = ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n"
                       % path).encode()
            for _ in range(requests):
                sock.sendall(request)
                status, body = read_reply(replies)
                if not status.startswith(b"HTTP/1.1 200"):
                    raise SystemExit("%s: %r %r" % (path, status, body[:200]))
    finally:
        stop(process, server.port)
    if KEEP:
        KEEP.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, KEEP / ("callgrind.out.%s.%d" % (
            path.strip("/").replace("/", "_") or "root", requests)))
    total = 0
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            total = int(line.split()[1])
    server.cleanup()
    if not total:
        raise SystemExit("callgrind wrote no totals to %s" % out)
    return total


# --table: the rows of issue 20's table, label -> (path, configuration,
# Httpd arguments): bench/run.py's rows (PythonAutoReload Off), 3.5's with
# the same configuration under the package scripts/bench.sh unpacks.
def table_rows():
    sys.path.insert(0, str(HERE))
    import run

    def row(name):
        path, config, arguments, available = run.find_row(name)
        return (path, config("prefork"), arguments) if available() else None

    return [
        ("static file, 6 bytes (Apache alone)",
         ("/hello.txt", "", {"with_mod_python": False})),
        ("3.5 hello, req.write(\"Hello!\") (flushes)",
         row("mp3.5-handler-flush")),
        ("3.5 hello, req.write(b\"Hello!\", 0)", row("mp3.5-handler")),
        ("ours hello, req.write(\"Hello!\") (flushes)", row("handler-flush")),
        ("ours hello, req.write(b\"Hello!\", 0)", row("handler")),
        ("ours publisher hello (/pub.py/hello)", row("publisher")),
        ("ours handler raising SERVER_RETURN(OK)", row("server-return")),
    ]


def per_request(tree, path, config, arguments, collect):
    """(1,100 requests - 100 requests) / 1,000, in instructions."""
    arguments = dict(arguments)
    arguments.setdefault("extra_pythonpath", ["."])
    body = "MaxKeepAliveRequests 0\nKeepAliveTimeout 120\n" + config
    few = instructions(tree, path, 100, body, collect, **arguments)
    many = instructions(tree, path, 1100, body, collect, **arguments)
    return (many - few) / 1000


def table(tree, collect, jobs):
    rows = table_rows()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(per_request, tree, *row, collect)
                   if row else None for _, row in rows]
        results = [future.result() if future else None
                   for future in futures]
    static = results[0]
    print("instructions per request %s, apache2 -X (prefork), keep-alive, "
          "(1,100 - 100 requests) / 1,000; %s"
          % ("inside %s" % collect if collect else "in the whole process",
             tree))
    print("%-44s %10s %12s" % ("request", "instr.", "over static"))
    for (label, row), result in zip(rows, results):
        if result is None:
            print("%-44s %10s %12s" % (label, "-", "(not unpacked: "
                                       "scripts/bench.sh)"))
            continue
        print("%-44s %9.1fk %11.1fk" % (label, result / 1000,
                                        (result - static) / 1000))


def stop(process, port):
    """SIGTERM the server -X and wait for callgrind to write its file.  A
    SIGTERM that arrives while httpd sits in accept() can leave it there
    (the call restarts): a connection wakes it to see the signal."""
    process.terminate()
    for _ in range(10):
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            except OSError:
                pass
    process.kill()
    process.wait()


def connect(port, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port),
                                            timeout=timeout)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def read_reply(replies):
    status = replies.readline()
    length, chunked = 0, False
    while True:
        line = replies.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    if not chunked:
        return status, replies.read(length)
    body = b""
    while True:
        size = int(replies.readline().split(b";")[0], 16)
        body += replies.read(size)
        replies.readline()              # CRLF after the chunk (or trailer)
        if size == 0:
            return status, body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=HERE.parent)
    parser.add_argument("--handler", default="mod_python.publisher",
                        help="the PythonHandler of every URL, e.g. "
                        "mod_python.psp or table (bench/site/table.py)")
    parser.add_argument("--row", action="append", default=[],
                        help="a row of bench/run.py (repeatable)")
    parser.add_argument("--table", action="store_true",
                        help="instructions per request inside "
                        "ap_process_request of static, 3.5's and our "
                        "hello handlers, our publisher and SERVER_RETURN")
    parser.add_argument("--collect", default=None,
                        help="count only inside this function (--table: "
                        "ap_process_request; 'all': the whole process)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="--table: rows measured at once")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the callgrind.out files into this "
                        "directory (for callgrind_annotate)")
    parser.add_argument("urls", nargs="*")
    args = parser.parse_args(argv)
    global KEEP
    KEEP = args.keep
    tree = args.tree.resolve()
    if args.table:
        collect = args.collect or "ap_process_request"
        table(tree, None if collect == "all" else collect, args.jobs)
        return 0
    if args.row:
        sys.path.insert(0, str(HERE))
        import run
        collect = None if args.collect in (None, "all") else args.collect
        for name in args.row:
            path, config, arguments, _ = run.find_row(name)
            print("%-16s %-20s %7.1fk instructions/request"
                  % (name, path, per_request(tree, path, config("prefork"),
                                             arguments, collect) / 1000))
    config = CONFIG.replace("mod_python.publisher", args.handler)
    for url in args.urls:
        few = instructions(tree, url, 100, config)
        many = instructions(tree, url, 1100, config)
        print("%s  %-24s %7.1fk instructions/request"
              % (tree, url, (many - few) / 1000 / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
