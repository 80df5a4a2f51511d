#!/usr/bin/env python3
"""Run httpd -X under valgrind (memcheck) and drive part of the test
traffic through it.

    python3 test/stress/stress_valgrind.py [--requests 20]

One process (httpd -X, prefork), PYTHONMALLOC=malloc so valgrind sees
Python's allocations, the reliability, fuzz and security configurations,
then: --requests requests of every reliability scenario, the whole
hostile-input corpus, the stale-object sweep of test_security (a
request, its tables, its connection and a filter used after their
time), and WSGI requests through every path of src/wsgi.c (environ,
input, file_wrapper, bad responses, failures after part of the body).  After `-k stop` the report is filtered to the errors and the
definitely-lost blocks with one of the first ten frames in mod_python.so.  Passes when there
are none (errors and leaks elsewhere, in httpd, APR or CPython, are
counted but not judged; so are "possibly lost" blocks: the interpreters
are not finalized when the child exits).  Memory of APR pools is recycled
by APR, not freed, so a use of pool memory after its pool was cleared is
invisible to valgrind: test_security's stale-object tests cover that.
Needs valgrind (scripts/stress.sh installs it
with apt-get when run as root).
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

import stresscommon as common
from stresscommon import Httpd, loadlib

sys.path.insert(0, str(common.TEST_DIR / "fuzz"))
import replay  # noqa: E402
import make_corpus  # noqa: E402

ERROR_KINDS = ("Invalid read", "Invalid write", "Invalid free",
               "Mismatched free", "Conditional jump", "Use of uninitialised",
               "Syscall param", "Source and destination overlap",
               "Argument 'size'")


def security_config():
    sys.path.insert(0, str(common.TEST_DIR))
    import test_security
    return test_security.CONFIG


def wsgi_config():
    sys.path.insert(0, str(common.TEST_DIR))
    import test_wsgi
    return test_wsgi.CONFIG


def wsgi_cases():
    """(name, bytes) of requests through src/wsgi.c's paths: the environ
    (headers, SetEnv, credentials), wsgi.input in its three modes and
    chunked, file_wrapper (sendfile), Content-Length kept to, close(),
    bad responses, and failures after part of the body was sent."""
    def get(target, headers=()):
        return make_corpus.request(target=target, headers=list(headers),
                                   host=b"wsgi.test")

    lines = b"".join(b"line %d %s\n" % (n, b"x" * (n % 50))
                     for n in range(400))
    cases = [
        ("env", get(b"/app/env?a=1&b=%20x", [b"X-Odd_Name: 1",
                                             b"Cookie: c=1",
                                             b"X-Bytes: \xff\xfe"])),
        ("env-auth", get(b"/authapp/env",
                         [b"Authorization: Basic dXNlcjpzZWNyZXQ="])),
        ("env-utf8-path", get(b"/app/caf%C3%A9/x")),
        ("based", get(b"/based/deeper/x/y")),
        ("file", get(b"/app/file?offset=10")),
        ("length-short", get(b"/app/length?cl=4")),
        ("length-long", get(b"/app/length?cl=15")),
        ("stream", get(b"/app/stream")),
        ("write", get(b"/app/write")),
        ("closing", get(b"/app/closing?id=vg")),
        ("error", get(b"/app/error")),
        ("excinfo", get(b"/app/excinfo")),
        ("noapp", get(b"/noapp/x")),
        ("chunked", make_corpus.request(
            b"POST", b"/app/echo?mode=read",
            [b"Transfer-Encoding: chunked"], b"%x\r\n%s\r\n0\r\n\r\n"
            % (len(lines), lines), host=b"wsgi.test",
            content_length=False)),
    ]
    for mode in (b"read", b"readline", b"iter"):
        cases.append(("echo-" + mode.decode(), make_corpus.request(
            b"POST", b"/app/echo?mode=" + mode, body=lines,
            host=b"wsgi.test")))
    for which in (b"crlf", b"nul", b"not-latin1", b"twice", b"late-error",
                  b"late-notbytes", b"late-excinfo"):
        cases.append(("raw-" + which.decode(), get(b"/raw/" + which)))
    return cases


def parse_report(text):
    """Split a valgrind log into (kind, block) records."""
    records = []
    block = []
    for line in text.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if not body.strip():
            if block:
                records.append(block)
            block = []
        else:
            block.append(body)
    if block:
        records.append(block)
    found = []
    for block in records:
        head = block[0]
        if "definitely lost in loss record" in head:
            found.append(("definitely lost", block))
        elif "possibly lost in loss record" in head:
            found.append(("possibly lost", block))
        elif any(head.startswith(kind) for kind in ERROR_KINDS):
            found.append((head.split(" of size")[0].split(" (")[0], block))
    return found


OUR_FRAME = re.compile(
    r"mod_python\.so|\((?:%s)\.c:\d+\)" % "|".join(
        path.stem for path in (common.REPO / "src").glob("*.c")))


def ours(block, depth=10):
    """True when one of the first depth frames of the (first) stack is in
    mod_python.so: our code did the bad access or the lost allocation, not
    code of httpd or CPython that merely runs below a call of ours."""
    frames = [line for line in block[1:]
              if line.strip().startswith(("at ", "by "))]
    return any(OUR_FRAME.search(frame) for frame in frames[:depth])


def drive(server, requests):
    scenarios = loadlib.Scenarios(server.htdocs)
    rng = random.Random(5)
    total = loadlib.LoadResult()
    connection = loadlib.Connection(server.port, timeout=120)
    for name in loadlib.Scenarios.ALL:
        for _ in range(requests):
            call = scenarios.make(name, rng)
            try:
                response, problem = call.run(connection)
            except loadlib.ClientError as error:
                total.record_error(call, error)
                continue
            total.record(call, response, problem)
    connection.close()
    common.log("scenarios: %s" % total.summary().splitlines()[0])
    outcomes = replay.replay_all(server.port, workers=1, timeout=120)
    bad = [outcome for outcome in outcomes if not outcome.acceptable]
    common.log("corpus: %d cases, %d not acceptable" % (len(outcomes),
                                                         len(bad)))
    for path in ("/h/keep", "/h/use-kept", "/h/raise", "/h/filter-raise",
                 "/pub/secpage.py/boom", "/pub/secpage/boom", "/broken/page",
                 "/cgi/seccgi.py"):
        replay.replay_case(server.port, path, make_corpus.request(
            target=path.encode(), host=b"sec.test",
            headers=[b"Connection: close"]), timeout=120)
    wsgi = [replay.replay_case(server.port, "wsgi-" + name, data,
                               timeout=120)
            for _ in range(max(1, requests // 10))
            for name, data in wsgi_cases()]
    common.log("wsgi: %d requests, %d not acceptable" % (
        len(wsgi), sum(1 for outcome in wsgi if not outcome.acceptable)))
    bad += [outcome for outcome in wsgi if not outcome.acceptable]
    return total, bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        common.log("valgrind is not installed (apt-get install valgrind)")
        return common.report("valgrind", False, {"error": "no valgrind"})

    body = loadlib.CONFIG + security_config() + wsgi_config()
    server = Httpd("prefork", body, name="mp-stress-valgrind")
    log_pattern = str(server.var / "valgrind.%p.log")
    env = server.environment()
    env["PYTHONMALLOC"] = "malloc"
    output = open(server.tmp / "logs" / "stdout", "wb")
    started = time.monotonic()
    server.process = subprocess.Popen(
        [valgrind, "--tool=memcheck", "--leak-check=full",
         "--show-leak-kinds=definite,possible", "--num-callers=40",
         "--keep-debuginfo=yes", "--error-limit=no",
         "--log-file=" + log_pattern, server.binary, "-f",
         str(server.conf), "-X"],
        env=env, stdin=subprocess.DEVNULL, stdout=output,
        stderr=subprocess.STDOUT, start_new_session=True)
    server.output_path = server.tmp / "logs" / "stdout"
    try:
        server.wait_until_ready(timeout=180)
        common.log("httpd -X under valgrind ready in %.0fs"
                   % (time.monotonic() - started))
        result, bad = drive(server, args.requests)
    finally:
        server.stop(timeout=300)
        output.close()
    reports = sorted(server.var.glob("valgrind.*.log"))
    text = "\n".join(path.read_text(errors="replace") for path in reports)
    records = parse_report(text)
    our_records = [(kind, block) for kind, block in records if ours(block)]
    summary = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
    lost = re.findall(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks",
                      text)
    judged_records = [(kind, block) for kind, block in our_records
                      if kind != "possibly lost"]
    for kind, block in judged_records[:20]:
        print("---- %s (mod_python.so)\n%s" % (kind, "\n".join(block[:30])))
    kinds = {}
    for kind, _ in our_records:
        kinds[kind] = kinds.get(kind, 0) + 1
    figures = {
        "requests": result.requests, "corpus_cases": len(
            replay.load_corpus()), "not_acceptable": [repr(o) for o in bad],
        "valgrind_errors_total": sum(int(n) for n in summary),
        "definitely_lost_total": lost,
        "records_total": len(records),
        "ours": kinds, "report": [str(path) for path in reports],
    }
    ok = not judged_records and not bad and result.failures == 0
    keep = not ok or os.environ.get("MP_TEST_KEEP")
    if not keep:
        server.cleanup()
    else:
        common.log("valgrind reports kept in %s" % server.var)
    return common.report("valgrind", ok, figures)


if __name__ == "__main__":
    sys.exit(main())
