#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Run mod_python 3.5's own test suite against this build.

    python3 test/mp35/run.py /path/to/mod_python-3.5-checkout [options]

An outside check of the drop-in promise (Doc/migration.rst): the suite of
mod_python 3.5.0 (github grisha/mod_python, test/test.py, its handlers in
test/htdocs and its config generator mod_python.httpdconf) run against our
src/mod_python.so and lib/python.  The checkout is copied to a temporary
directory and only the edits that Python >= 3.9 and httpd >= 2.4.59 force
are applied to the copy (FORCED_EDITS below; each must match, or the run
stops).  The result is a PASS/FAIL table of every test it schedules,
including the sub-tests test_internal runs inside the server.

Not collected by pytest and not run by CI (neither has a copy of 3.5):
our own tests carry each behaviour; this is the cross-check.

Options:
  --mpm event           load mod_mpm_event instead of prefork (an edit
                        beyond the forced ones, said so in the output)
  --without-import-function
                        drop the ``PythonImport dummymodule::function``
                        line (3.5's only use of that form), for a build
                        that lacks it: without this, httpd refuses the
                        whole per-request config
  --httpdconf ours      generate the config with our mod_python.httpdconf
                        instead of the checkout's
  --keep                keep the temporary directory
  --timeout SECONDS     stop the suite after this long (default 1800)

As root, the suite runs as www-data (3.5's config has no ``User``, and
httpd started as root would switch to an unknown user); the temporary
directory is given to that user.
"""

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# test/htdocs/tests.py make_suite(): what test_internal runs in the server
INTERNAL_TEST = re.compile(r'SimpleTestCase\("(test_\w+)", req\)')

# Tests that belong to other issues than the drop-in one (Doc/migration.rst)
OTHER_ISSUES = {
    "test_psphandler": "PSP", "test_psp_parser": "PSP",
    "test_psp_error": "PSP", "test_Cookie_Cookie": "Cookie",
    "test_Cookie_MarshalCookie": "Cookie", "test_Session_Session": "Session",
    "test_Session_illegal_sid": "Session", "test_global_lock": "global_lock",
    "test_wsgihandler": "WSGI", "test_wsgihandler_location": "WSGI",
}


def forced_edits(libexecdir):
    """(file, old, new, why) for each edit the platform forces."""
    return [
        ("test.py", "base64.encodestring(", "base64.encodebytes(",
         "base64.encodestring is gone in Python 3.9"),
        ("test.py", ".failUnless(", ".assertTrue(",
         "failUnless is gone in Python 3.12"),
        ("test.py", '"mpm_prefork_module modules/mod_mpm_prefork.so"',
         '"mpm_prefork_module %s"'
         % os.path.join(libexecdir, "mod_mpm_prefork.so"),
         "the server root has no modules/ directory"),
        ("test.py", "from distutils.sysconfig import get_python_lib",
         "from sysconfig import get_path\n"
         "        get_python_lib = lambda: get_path('purelib')",
         "distutils is gone in Python 3.12"),
        ("test.py", 'server_hdr.find("PYTHONIZE")', 'server_hdr.find("PROPFIND")',
         "httpd 2.4.59 leaves unregistered methods out of Allow"),
        ("htdocs/tests.py", 'req.allow_methods(["PYTHONIZE"])',
         'req.allow_methods(["PROPFIND"])',
         "httpd 2.4.59 leaves unregistered methods out of Allow"),
    ]


def optional_edits(args, libexecdir):
    edits = []
    if args.mpm == "event":
        edits.append(
            ("test.py", '"mpm_prefork_module %s"'
             % os.path.join(libexecdir, "mod_mpm_prefork.so"),
             '"mpm_event_module %s"'
             % os.path.join(libexecdir, "mod_mpm_event.so"),
             "--mpm event"))
    if args.without_import_function:
        edits.append(
            ("test.py",
             '                      PythonImport("dummymodule::function '
             'test_import"),\n', "", "--without-import-function"))
    return edits


def apply_edits(root, edits):
    for name, old, new, why in edits:
        path = root / name
        text = path.read_text()
        count = text.count(old)
        if not count:
            raise SystemExit("edit not applicable (%s): %r not in %s"
                             % (why, old, name))
        path.write_text(text.replace(old, new))
        print("edit  %-16s %2d x %-40.40s (%s)" % (name, count, old, why))


def apxs(variable):
    return subprocess.run(["apxs", "-q", variable], check=True,
                          capture_output=True, text=True).stdout.strip()


def configured_python():
    """The Python this tree was built with (./configure --with-python)."""
    try:
        for line in (REPO / "Makefile").read_text().splitlines():
            if line.startswith("PYTHON_BIN"):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return sys.executable


def httpd_version(httpd):
    out = subprocess.run([httpd, "-v"], capture_output=True,
                         text=True).stdout
    match = re.search(r"Apache/(\d+\.\d+\.\d+)", out)
    if not match:
        raise SystemExit("cannot tell the version of %s: %r" % (httpd, out))
    return match.group(1)


VERSION_PY = '''\
# written by test/mp35/run.py: what 3.5's test.py reads from its
# configure-generated mod_python.version
version = "3.5.0"
HTTPD = %(httpd)r
HTTPD_VERSION = %(httpd_version)r
APR_VERSION = "1"
LIBEXECDIR = %(libexecdir)r
SYSCONFDIR = %(sysconfdir)r
TEST_MOD_PYTHON_SO = %(so)r
TESTHOME = %(testhome)r
PYTHON_BIN = %(python)r
'''

# Runs test.py in place of `python3 test.py`, recording each test's
# outcome (the suite nests one TextTestRunner inside another).
RUNNER = '''\
import json, runpy, sys, unittest
outcomes = []
class Result(unittest.TextTestResult):
    def _record(self, test, status, detail=""):
        outcomes.append([getattr(test, "_testMethodName", str(test)),
                         status, detail])
    def addSuccess(self, test):
        super().addSuccess(test); self._record(test, "PASS")
    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "FAIL", self._exc_info_to_string(err, test))
    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "ERROR", self._exc_info_to_string(err, test))
    def addSkip(self, test, reason):
        super().addSkip(test, reason); self._record(test, "SKIP", reason)
class Runner(unittest.TextTestRunner):
    resultclass = Result
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbosity", 2)
        super().__init__(*args, **kwargs)
unittest.TextTestRunner = Runner
try:
    runpy.run_path("test.py", run_name="__main__")
finally:
    with open(sys.argv[1], "w") as out:
        json.dump(outcomes, out)
'''


def prepare(args, tmp):
    checkout = Path(args.checkout).resolve()
    if not (checkout / "test" / "test.py").is_file():
        raise SystemExit("%s has no test/test.py" % checkout)
    so = REPO / "src" / "mod_python.so"
    if not so.is_file():
        raise SystemExit("%s is not built: run ./configure && make" % so)
    libexecdir = apxs("LIBEXECDIR")
    httpd = os.path.join(apxs("SBINDIR"), apxs("TARGET"))
    testhome = tmp / "test"
    shutil.copytree(checkout / "test", testhome,
                    ignore=shutil.ignore_patterns("logs", "tmp", "modules"))
    (testhome / "conf").mkdir(exist_ok=True)
    package = tmp / "lib" / "mod_python"
    shutil.copytree(REPO / "lib" / "python" / "mod_python", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if args.httpdconf == "3.5" or not (package / "httpdconf.py").exists():
        shutil.copy(checkout / "lib" / "python" / "mod_python" /
                    "httpdconf.py", package / "httpdconf.py")
    # not beside runner.py: `import mod_python` would find the .so first
    (tmp / "httpd").mkdir()
    shutil.copy(so, tmp / "httpd" / "mod_python.so")
    (package / "version.py").write_text(VERSION_PY % {
        "httpd": httpd, "httpd_version": httpd_version(httpd),
        "libexecdir": libexecdir, "sysconfdir": apxs("SYSCONFDIR"),
        "so": str(tmp / "httpd" / "mod_python.so"), "testhome": str(testhome),
        "python": configured_python()})
    (tmp / "runner.py").write_text(RUNNER)
    apply_edits(testhome, forced_edits(libexecdir)
                + optional_edits(args, libexecdir))
    return testhome


def demote(tmp):
    """As root: give tmp to www-data and return a preexec_fn becoming it."""
    if os.geteuid() != 0:
        return None
    user = pwd.getpwnam("www-data")
    for directory, dirs, files in os.walk(tmp):
        for name in [directory] + [os.path.join(directory, f) for f in files]:
            os.chown(name, user.pw_uid, user.pw_gid)

    def become():
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    return become


def stop_leftover_httpd(testhome):
    """Stop the httpd the suite started if it is still running."""
    pidfile = testhome / "logs" / "httpd.pid"
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def internal_outcomes(testhome, internal_status):
    """The sub-tests of test_internal, from what they wrote to the log."""
    names = INTERNAL_TEST.findall((testhome / "htdocs" / "tests.py")
                                  .read_text())
    try:
        log = (testhome / "logs" / "error_log").read_text(errors="replace")
    except OSError:
        log = ""
    ran = "Ran %d test" % len(names) in log
    rows = []
    for name in names:
        match = re.search(r"(FAIL|ERROR): %s\b(.*?)(?:={20}|-{20}\\nRan)"
                          % name, log)
        detail = ""
        if match:
            status = match.group(1)
            # httpd writes the runner's report on one line, "\n" escaped
            detail = match.group(2).replace("\\n", "\n")
        elif ran or internal_status == "PASS":
            status = "PASS"
        else:
            status = "NOT RUN"
        rows.append(["test_internal/" + name, status, detail])
    return rows


def first_line(detail):
    """The line of a traceback that says what went wrong."""
    lines = [line.strip() for line in detail.strip().splitlines()
             if line.strip().strip("-=")]
    errors = [line for line in lines if re.match(r"\w+(Error|Exception)"
                                                 r"\b", line)]
    chosen = errors[-1] if errors else (lines[-1] if lines else "")
    return chosen[:90]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkout")
    parser.add_argument("--mpm", choices=("prefork", "event"),
                        default="prefork")
    parser.add_argument("--without-import-function", action="store_true")
    parser.add_argument("--httpdconf", choices=("3.5", "ours"),
                        default="3.5")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="mp35-suite-"))
    os.chmod(tmp, 0o755)
    testhome = prepare(args, tmp)
    results = tmp / "results.json"
    env = dict(os.environ, PYTHONPATH=str(tmp / "lib"),
               PYTHONDONTWRITEBYTECODE="1")
    log = open(tmp / "suite.log", "wb")
    preexec = demote(tmp)
    print("running 3.5's test.py in %s (output: %s)" % (testhome, log.name))
    started = time.monotonic()
    try:
        subprocess.run([configured_python(), str(tmp / "runner.py"),
                        str(results)],
                       cwd=testhome, env=env, stdout=log,
                       stderr=subprocess.STDOUT, preexec_fn=preexec,
                       timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print("the suite did not finish in %d s" % args.timeout)
    finally:
        log.close()
        stop_leftover_httpd(testhome)
    try:
        outcomes = json.loads(results.read_text())
    except (OSError, ValueError):
        outcomes = []
        print("no results: see %s" % (tmp / "suite.log"))
    internal = [row for row in outcomes if row[0] == "test_internal"]
    rows = []
    for row in outcomes:
        rows.append(row)
        if row[0] == "test_internal":
            rows.extend(internal_outcomes(testhome, row[1]))
    if not internal:
        rows.extend(internal_outcomes(testhome, "NOT RUN"))

    print("\n%-46s %-7s %s" % ("test (3.5 suite, %s)" % args.mpm, "result",
                               "note"))
    counts = {}
    for name, status, detail in rows:
        note = OTHER_ISSUES.get(name, "")
        if note:
            note = "[%s: another issue] " % note
        if status != "PASS":
            note += first_line(detail)
        counts[status] = counts.get(status, 0) + 1
        print("%-46s %-7s %s" % (name, status, note))
    print("\n%s in %.0f s; log: %s"
          % (", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())),
             time.monotonic() - started, tmp / "suite.log"))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("kept %s" % tmp)
    return 0 if rows and all(row[1] == "PASS" or row[0] in OTHER_ISSUES
                             for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
