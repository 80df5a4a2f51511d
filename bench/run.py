#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Benchmark mod_python against Apache's static-file limit, side by side.

    python3 bench/run.py [--rounds 3] [--duration 4] [--rows handler,static]
        [--loads 1,16] [--mpms prefork,event] [--pairs a:b,...] [--tree DIR]

For each MPM (prefork, event) and load (1 and 16 keep-alive connections)
it starts private httpd instances on 127.0.0.1 and runs wrk against:

  static      Apache serving a 6-byte file ("Hello!"): the practical limit
  handler     a PythonHandler hello world writing its body in one
              unflushed req.write(data, 0)
  handler-flush  the tutorial's hello world: req.write(data) flushes, so
              the body goes out chunked in two writes
  publisher   a mod_python.publisher hello world function
  cgihandler  a small legacy CGI script run by mod_python.cgihandler
  cgi         the same script as a plain CGI (mod_cgi / mod_cgid)
  psp         table.psp: a PSP page rendering a 100-row table
  psp-handler the same page written as a plain handler (table.py)
  wsgi        a WSGI hello world (wsgi_hello.py) under mod_python.wsgi,
              configured as the manual says (PythonAutoReload On)
  flask       a Flask hello page (flask_hello.py) the same way

  server-return  a handler that writes the body, then raises
              apache.SERVER_RETURN(apache.OK)

and, when available, Debian's mod_wsgi (rows mod_wsgi and mod_wsgi-flask:
the same two files under WSGIScriptAlias, embedded mode, defaults) and
mod_python 3.5 (rows mp3.5-handler, mp3.5-handler-flush, mp3.5-publisher,
mp3.5-cgihandler, mp3.5-psp, mp3.5-psp-handler: the row of ours of that
name, same URL and configuration, under the old module): installed, or
unpacked from their .deb files into bench/.cache/alternatives by
scripts/bench.sh.  Every server gets the same MPM and keep-alive settings;
the rows differ only in their module lines and the row's own block.
They never share an
httpd with ours.  The servers of one MPM all run at once and
each round runs the rows in turn, so the ratio column is the median over
--rounds of (row req/s / static req/s of the same MPM, load and round):
each row is compared with a static run made seconds before it, because
these machines are shared and noisy.  req/s and p99 are medians too.
It also reports the PSS of the httpd children after 10,000 requests and
the latency of the first request of a fresh server (interpreter creation
included).  Benchmarks never run in `make test` or CI.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test"))

from harness import Httpd, modules_dir  # noqa: E402

SITE = HERE / "site"

# httpd process limits: enough workers for 16 connections on both MPMs.
MPM_LIMITS = {
    "prefork": """
StartServers 20
MinSpareServers 20
MaxSpareServers 40
ServerLimit 40
MaxRequestWorkers 40
MaxConnectionsPerChild 0
""",
    "event": """
StartServers 2
ServerLimit 4
ThreadsPerChild 25
MinSpareThreads 25
MaxSpareThreads 75
MaxRequestWorkers 100
MaxConnectionsPerChild 0
""",
}

COMMON = """
KeepAlive On
MaxKeepAliveRequests 0
LogLevel warn
"""


def cgi_module(mpm):
    if mpm == "prefork":
        return "LoadModule cgi_module %s/mod_cgi.so\n" % modules_dir()
    return ("LoadModule cgid_module %s/mod_cgid.so\n"
            "ScriptSock {tmp}/run/cgid.sock\n" % modules_dir())


# Debian's mod_wsgi and mod_python 3.5, for comparison: used when
# installed (mod_wsgi), or when scripts/bench.sh has unpacked their .deb
# files here (never installed, so they cannot clash with our package).
ALTERNATIVES = Path(os.environ.get("MP_BENCH_ALTERNATIVES",
                                   HERE / ".cache" / "alternatives"))
OLD_MOD_PYTHON = ALTERNATIVES / "usr/lib/apache2/modules/mod_python.so"
OLD_MOD_PYTHON_LIB = ALTERNATIVES / "usr/lib/python3/dist-packages"


def wsgi_module():
    for candidate in (Path(modules_dir()) / "mod_wsgi.so",
                      ALTERNATIVES / "usr/lib/apache2/modules/mod_wsgi.so"):
        if candidate.exists():
            return candidate
    return None


def old_mod_python_available():
    return OLD_MOD_PYTHON.exists() and \
        (OLD_MOD_PYTHON_LIB / "mod_python" / "apache.py").exists()


def old_mod_python(row):
    """A row for Debian's mod_python 3.5: our row's URL and configuration,
    word for word, in a server that loads the old module (and its own
    package on the path) instead of ours."""
    return (lambda mpm: ("LoadModule python_module %s\n" % OLD_MOD_PYTHON
                         + ROWS[row][1](mpm)),
            old_mod_python_available,
            {"with_mod_python": False,
             "extra_pythonpath": [".", str(OLD_MOD_PYTHON_LIB)]})


ROWS = {
    "static": ("/hello.txt", lambda mpm: ""),
    "handler": ("/hello", lambda mpm: """
<Location /hello>
    SetHandler mod_python
    PythonHandler hello
    PythonAutoReload Off
</Location>
"""),
    "handler-flush": ("/hello-flush", lambda mpm: """
<Location /hello-flush>
    SetHandler mod_python
    PythonHandler hello_flush
    PythonAutoReload Off
</Location>
"""),
    "publisher": ("/pub.py/hello", lambda mpm: """
<Directory {htdocs}>
    <Files pub.py>
        SetHandler mod_python
        PythonHandler mod_python.publisher
        PythonAutoReload Off
    </Files>
</Directory>
"""),
    "cgihandler": ("/legacy.py", lambda mpm: """
<Directory {htdocs}>
    <Files legacy.py>
        SetHandler mod_python
        PythonHandler mod_python.cgihandler
        PythonAutoReload Off
    </Files>
</Directory>
"""),
    "psp": ("/table.psp", lambda mpm: """
<Directory {htdocs}>
    <Files table.psp>
        SetHandler mod_python
        PythonHandler mod_python.psp
        PythonAutoReload Off
    </Files>
</Directory>
"""),
    # a handler that ends by raising apache.SERVER_RETURN(apache.OK)
    "server-return": ("/server-return", lambda mpm: """
<Location /server-return>
    SetHandler mod_python
    PythonHandler server_return
    PythonAutoReload Off
</Location>
"""),
    # configured as the psp row (a <Files> of the directory, a URL that
    # maps to a file), so the two differ only in what mod_python does
    "psp-handler": ("/table.py", lambda mpm: """
<Directory {htdocs}>
    <Files table.py>
        SetHandler mod_python
        PythonHandler table
        PythonAutoReload Off
    </Files>
</Directory>
"""),
    # the default configuration of mod_python.wsgi (PythonAutoReload On)
    "wsgi": ("/wsgi-hello/", lambda mpm: """
<Location /wsgi-hello>
    SetHandler mod_python
    PythonPath "sys.path+['{htdocs}']"
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application wsgi_hello
</Location>
"""),
    "flask": ("/flask-hello/", lambda mpm: """
<Location /flask-hello>
    SetHandler mod_python
    PythonPath "sys.path+['{htdocs}']"
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application flask_hello::app
</Location>
"""),
    "cgi": ("/legacy.cgi", lambda mpm: cgi_module(mpm) + """
<Directory {htdocs}>
    <Files legacy.cgi>
        Options +ExecCGI
        SetHandler cgi-script
    </Files>
</Directory>
"""),
}

# name -> (path, config, available(), Httpd arguments)
OPTIONAL_ROWS = {
    # mod_wsgi's defaults: embedded mode, script reloading on
    "mod_wsgi": ("/wsgi-hello/", lambda mpm: (
        "LoadModule wsgi_module %s\n" % wsgi_module()
        + "WSGIScriptAlias /wsgi-hello {htdocs}/wsgi_hello.py\n"),
        lambda: wsgi_module() is not None, {"with_mod_python": False}),
    "mod_wsgi-flask": ("/flask-hello/", lambda mpm: (
        "LoadModule wsgi_module %s\n" % wsgi_module()
        + "WSGIScriptAlias /flask-hello {htdocs}/flask_hello.py\n"),
        lambda: wsgi_module() is not None, {"with_mod_python": False}),
    # mod_python 3.5: rows of ours under the old module (same URL and
    # configuration); path filled in below
    "mp3.5-handler": ("handler",) + old_mod_python("handler"),
    "mp3.5-handler-flush": ("handler-flush",)
    + old_mod_python("handler-flush"),
    "mp3.5-publisher": ("publisher",) + old_mod_python("publisher"),
    "mp3.5-cgihandler": ("cgihandler",) + old_mod_python("cgihandler"),
    "mp3.5-psp": ("psp",) + old_mod_python("psp"),
    "mp3.5-psp-handler": ("psp-handler",) + old_mod_python("psp-handler"),
}
for _name, (_row, *_rest) in list(OPTIONAL_ROWS.items()):
    if _row in ROWS:
        OPTIONAL_ROWS[_name] = (ROWS[_row][0], *_rest)


def find_row(name):
    """(path, configuration, Httpd arguments, available) of the row of
    ROWS or OPTIONAL_ROWS called name; available() says whether it can run
    here (always true for ROWS).  KeyError for an unknown name."""
    if name in ROWS:
        path, config = ROWS[name]
        return path, config, {}, lambda: True
    path, config, available, arguments = OPTIONAL_ROWS[name]
    return path, config, dict(arguments), available


# ------------------------------------------------------------------ wrk

LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# Found on the caller's PATH (main() later gives the servers Debian's).
WRK = shutil.which("wrk") or "wrk"


def parse_wrk(output):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output)
    p99_ms = float(p99.group(1)) * LATENCY_UNITS[p99.group(2)] if p99 else None
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                     r"timeout (\d+)", output)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return rps, p99_ms, errors


# wrk as found before main() resets PATH (MP_BENCH_WRK: another one)
WRK = os.environ.get("MP_BENCH_WRK") or shutil.which("wrk") or "wrk"


def run_wrk(url, connections, duration):
    threads = 1 if connections == 1 else 2
    result = subprocess.run(
        [WRK, "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration,
         "--latency", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise RuntimeError("wrk failed:\n" + result.stdout)
    return parse_wrk(result.stdout)


# -------------------------------------------------------------- memory

def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def children_pss(server):
    sizes = [pss_kib(pid) for pid in server.child_pids()]
    return [size for size in sizes if size]


def load_requests(url, count, connections=4):
    """count requests with ab (keep-alive); returns failures."""
    ab = shutil.which("ab")
    if ab is None:
        raise RuntimeError("ab not found (apt-get install apache2-utils)")
    result = subprocess.run([ab, "-q", "-k", "-s", "10", "-n", str(count),
                             "-c", str(connections), url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=600)
    failed = re.search(r"Failed requests:\s+(\d+)", result.stdout)
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", result.stdout)
    return (int(failed.group(1)) if failed else 0) + \
        (int(non2xx.group(1)) if non2xx else 0)


def first_request_ms(server, path):
    """Time of one GET on a new connection (no keep-alive)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n"
                     % path.encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    elapsed = (time.perf_counter() - start) * 1000
    if b" 200 " not in data.split(b"\r\n", 1)[0]:
        raise RuntimeError("first request failed: %r" % data[:200])
    return elapsed


# ------------------------------------------------------------- servers

# the Python mod_python is built for (./configure --with-python)
EMBEDDED_PYTHON = os.environ.get("MP_BENCH_PYTHON", "/usr/bin/python3")


def copy_alternatives(server):
    """The unpacked packages' Python directories on the server's path
    (mod_python 3.5's lib) copied into its private tree: the children run
    as www-data, which may not reach the checkout (under /root, say)."""
    for index, entry in enumerate(server.pythonpath):
        if Path(entry).is_relative_to(ALTERNATIVES):
            copy = server.tmp / "alternatives" / Path(entry).relative_to(
                ALTERNATIVES)
            if not copy.exists():
                shutil.copytree(entry, copy, ignore=shutil.ignore_patterns(
                    "__pycache__"))
                for top in [copy] + list(copy.parents):
                    os.chmod(top, os.stat(top).st_mode | 0o555)
                    if top == server.tmp:
                        break
                for root, dirs, files in os.walk(copy):
                    for name in dirs + files:
                        path = os.path.join(root, name)
                        os.chmod(path, os.stat(path).st_mode | 0o444
                                 | (0o111 if name in dirs else 0))
            server.pythonpath[index] = str(copy)


def start_server(mpm, row_config, **httpd_arguments):
    body = MPM_LIMITS[mpm] + COMMON + row_config(mpm)
    httpd_arguments.setdefault("extra_pythonpath", ["."])
    server = Httpd(mpm, body, htdocs=SITE, name="mp-bench",
                   **httpd_arguments)
    copy_alternatives(server)
    if server.with_mod_python:
        # byte-compiled, as `make install` leaves the package: else every
        # child compiles the modules it imports (the children cannot
        # write __pycache__), which costs time and memory per child
        subprocess.run([EMBEDDED_PYTHON, "-m", "compileall", "-q",
                        str(server.tmp / "lib" / "python")], check=True)
    return server.start(timeout=30)


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


# Rows whose work happens outside the httpd children (a process per
# request): no long warm-up, and their children's memory says nothing.
OUT_OF_PROCESS = {"cgi"}


def bench_mpm(mpm, rows, loads, rounds, duration):
    """All rows of one MPM: every row's server runs at once and the rounds
    take the rows in turn, so each ratio compares a row with the static
    run made just before it (neighbours on a shared machine come and go
    within minutes).  Returns {row: ({connections: (req/s, ratio, p99,
    errors)}, ab failures, children PSS)}; req/s, ratio and p99 are
    medians over the rounds."""
    servers = {}
    try:
        for name, (path, row_config, httpd_arguments) in rows.items():
            print("%s %s: starting, warming up" % (mpm, name),
                  file=sys.stderr, flush=True)
            servers[name] = start_server(mpm, row_config, **httpd_arguments)
            url = servers[name].url(path)
            if name in OUT_OF_PROCESS:
                load_requests(url, 20, 4)
            else:
                load_requests(url, 4000, 40)  # every child and thread warm
        runs = {(name, connections): [] for name in rows for connections in loads}
        for connections in loads:
            for round_number in range(rounds):
                print("%s %d connections, round %d" % (
                    mpm, connections, round_number + 1),
                    file=sys.stderr, flush=True)
                for name, (path, _, _) in rows.items():
                    pids = servers[name].child_pids()
                    before = cpu_ticks(pids)
                    switches = context_switches(pids)
                    rps, p99, errors = run_wrk(servers[name].url(path),
                                               connections, duration)
                    runs[(name, connections)].append(
                        (rps, p99, errors,
                         cpu_us_per_request(cpu_ticks(pids) - before,
                                            rps * duration),
                         (context_switches(pids) - switches)
                         / (rps * duration) if rps else None))
        results = {}
        for name, (path, _, _) in rows.items():
            per_load = {}
            for connections in loads:
                mine = runs[(name, connections)]
                static = runs[("static", connections)]
                per_load[connections] = (
                    median([run[0] for run in mine]),
                    median([run[0] / reference[0] for run, reference
                            in zip(mine, static) if reference[0]]),
                    median([run[1] for run in mine]),
                    sum(run[2] for run in mine),
                    median([run[3] for run in mine]),
                    [run[0] for run in mine],
                    median([run[4] for run in mine]))
            if name in OUT_OF_PROCESS:
                results[name] = (per_load, 0, [])
            else:
                failures = load_requests(servers[name].url(path), 10000)
                results[name] = (per_load, failures,
                                 children_pss(servers[name]))
        return results
    finally:
        for server in servers.values():
            server.stop()
            server.cleanup()


def cpu_us_per_request(ticks, requests):
    """CPU time of the httpd children per request (user + system), in
    microseconds: unlike req/s, hardly moved by what other processes of a
    shared machine do meanwhile.  OUT_OF_PROCESS rows: not meaningful."""
    if requests <= 0:
        return None
    return ticks * 1e6 / os.sysconf("SC_CLK_TCK") / requests


def context_switches(pids):
    """Context switches (voluntary and not) of all threads of pids."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for task in tasks:
            try:
                with open("/proc/%d/task/%s/status" % (pid, task)) as status:
                    for line in status:
                        if line.startswith(("voluntary_ctxt_switches:",
                                            "nonvoluntary_ctxt_switches:")):
                            total += int(line.split()[1])
            except (OSError, ValueError):
                pass
    return total


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_until_idle(server, timeout=10):
    """Until the children stopped using CPU (Python initialised in all of
    them: 20 prefork children starting at once keep 2 cores busy for
    about half a second), so that the first request measures itself."""
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        ticks = cpu_ticks(server.child_pids())
        if ticks == previous:
            return
        previous = ticks
        time.sleep(0.3)


def bench_first_request(mpm, rounds):
    times = []
    for _ in range(rounds):
        server = start_server(mpm, ROWS["handler"][1])
        try:
            wait_until_idle(server)
            times.append(first_request_ms(server, ROWS["handler"][0]))
        finally:
            server.stop()
            server.cleanup()
    return median(times)


def format_table(table, loads):
    lines = ["%-8s %-5s %-19s %10s %7s %9s %7s %8s %6s" % (
        "MPM", "conns", "row", "req/s", "ratio", "p99 ms", "errors",
        "cpu us", "cs/req")]
    for mpm, rows in table.items():
        for connections in loads:
            for name, (results, _, _) in rows.items():
                rps, ratio, p99, errors, cpu, _, switches = \
                    results[connections]
                lines.append("%-8s %-5d %-19s %10.0f %7s %9s %7d %8s %6s" % (
                    mpm, connections, name, rps,
                    "%.2f" % ratio if ratio else "-",
                    "%.2f" % p99 if p99 is not None else "-", errors,
                    "%.0f" % cpu if cpu and name not in OUT_OF_PROCESS
                    else "-",
                    "%.2f" % switches if switches is not None
                    and name not in OUT_OF_PROCESS else "-"))
    return "\n".join(lines)


def format_pairs(table, loads, pairs):
    """For each "a:b" pair: the median over the rounds of a's req/s over
    b's req/s measured seconds apart in the same round, and b's CPU time
    per request over a's (both > 1 when a is faster)."""
    lines = ["%-8s %-5s %-40s %9s %9s" % ("MPM", "conns", "pair",
                                          "req/s x", "cpu x")]
    for mpm, rows in table.items():
        for connections in loads:
            for first, second in pairs:
                if first not in rows or second not in rows:
                    continue
                mine = rows[first][0][connections]
                theirs = rows[second][0][connections]
                ratios = [a / b for a, b in zip(mine[5], theirs[5]) if b]
                cpu = "%.2f" % (theirs[4] / mine[4]) \
                    if mine[4] and theirs[4] else "-"
                lines.append("%-8s %-5d %-40s %9s %9s" % (
                    mpm, connections, "%s / %s" % (first, second),
                    "%.2f" % median(ratios) if ratios else "-", cpu))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3,
                        help="seconds per wrk run")
    parser.add_argument("--mpms", default="prefork,event")
    parser.add_argument("--rows", default=",".join(ROWS),
                        help="comma-separated rows (static always runs)")
    parser.add_argument("--loads", default="1,16")
    parser.add_argument("--tree", type=Path, default=None,
                        help="measure another checkout's build (its "
                        "src/mod_python.so and lib/python; this bench/)")
    parser.add_argument("--pairs", default="wsgi:mod_wsgi,"
                        "flask:mod_wsgi-flask",
                        help="rows compared round by round (a:b,...)")
    args = parser.parse_args()
    if args.tree is not None:
        import harness
        harness.REPO = args.tree.resolve()

    if shutil.which(WRK) is None:
        sys.exit("wrk not found: apt-get install wrk (scripts/bench.sh "
                 "installs it)")
    loads = [int(n) for n in args.loads.split(",")]
    wanted = ["static"] + [row for row in args.rows.split(",")
                           if row != "static"]
    rows = {name: ROWS[name] + ({},) for name in wanted if name in ROWS}
    for name, (path, config, available, arguments) in OPTIONAL_ROWS.items():
        if name in wanted or (args.rows == ",".join(ROWS) and available()):
            if available():
                rows[name] = (path, config, arguments)
            else:
                print("skipping row %s: not available (scripts/bench.sh "
                      "unpacks it)" % name)

    # The servers get the PATH Debian's apache2ctl gives them: mod_python
    # 3.5 finds its Python through PATH (ours is pinned at build time), and
    # a python3 of the user's (pyenv, venv) first on PATH breaks it.
    os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
        "/usr/bin:/sbin:/bin"
    started = time.monotonic()
    table, memory, first = {}, {}, {}
    for mpm in args.mpms.split(","):
        table[mpm] = bench_mpm(mpm, rows, loads, args.rounds, args.duration)
        for name, (_, failures, pss) in table[mpm].items():
            memory[(mpm, name)] = (failures, pss)
        if "handler" in rows:
            first[mpm] = bench_first_request(mpm, max(args.rounds, 5))

    print()
    print(format_table(table, loads))
    pairs = [pair.split(":") for pair in args.pairs.split(",") if ":" in pair]
    if pairs:
        print()
        print(format_pairs(table, loads, pairs))
    print()
    print("PSS of the httpd children after 10,000 more requests "
          "(ab -k -c 4), KiB:")
    for (mpm, name), (failures, pss) in memory.items():
        if pss:
            print("  %-8s %-19s children %2d  mean %6d  max %6d  failed %d" % (
                mpm, name, len(pss), statistics.mean(pss), max(pss),
                failures))
    if first:
        print()
        print("First request of a fresh server (handler row, new "
              "interpreter), median of 5 or more, ms:")
        for mpm, ms in first.items():
            print("  %-8s %.1f" % (mpm, ms))
    print()
    print("total time %.0f s" % (time.monotonic() - started))


if __name__ == "__main__":
    main()
