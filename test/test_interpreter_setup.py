"""A named interpreter whose set-up fails is remembered as failed (issue
16 item 7): every later request for it is a 500 naming the first reason,
and no further interpreter is created for the name in that process (each
used to create, and leak, another).  The failure is made real: the test
server's PYTHONPATH holds a sitecustomize that, while a flag file exists,
makes mod_python.apache unimportable in every interpreter created from
then on."""

import os
import re
import time

import pytest
import requests

from harness import Httpd

SERVER_CONFIG = """
<VirtualHost *:{port}>
    ServerName setup.test
    DocumentRoot {htdocs}/interpfail/app
    <Directory {htdocs}/interpfail/app>
        SetHandler mod_python
        PythonHandler app
    </Directory>
    <Location /broken>
        PythonInterpreter broken_one
    </Location>
    <Location /main>
        PythonInterpreter main_interpreter
    </Location>
</VirtualHost>
# A fixed set of children, none started or stopped while a test runs: a
# child started while the flag exists would fail its main interpreter too
# (and count in "created"), which is the next test's case, not this one's.
# MP00013 (debug) says when a child has started Python.
LogLevel info python:debug
<IfModule mpm_prefork_module>
    StartServers 2
    MinSpareServers 1
    MaxSpareServers 2
    MaxRequestWorkers 2
</IfModule>
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 2
    MaxRequestWorkers 20
    MinSpareThreads 1
    MaxSpareThreads 20
</IfModule>
"""


@pytest.fixture(scope="module")
def server(mpm):
    own = Httpd(mpm, SERVER_CONFIG, extra_pythonpath=["interpfail/site"])
    try:
        os.chmod(own.htdocs / "interpfail" / "site", 0o777)
        own.start()
        yield own
        own.stop()
        assert own.crash_lines() == []
    finally:
        own.cleanup()


def test_a_failed_interpreter_is_not_created_again(server):
    site = server.htdocs / "interpfail" / "site"
    url = server.url
    headers = {"Host": "setup.test"}
    # a 500 closes the connection, so the requests reach several children:
    # each may create the interpreter once, none twice
    with requests.Session() as session:
        # the child's main-server interpreter exists before the flag
        first = session.get(url("/x"), headers=headers, timeout=20)
        assert first.status_code == 200 and first.text == "setup.test"
        # "ready" is logged by the parent before its children have started
        # Python: wait for both, or one may start under the flag
        deadline = time.monotonic() + 20
        while len(set(re.findall(r"MP00013: Python .* started in pid (\d+)",
                                 server.error_log()))) < 2:
            assert time.monotonic() < deadline, server.error_log()
            time.sleep(0.05)
        (site / "break").write_text("")
        offset = server.error_log_size()
        for _ in range(12):
            response = session.get(url("/broken/x"), headers=headers,
                                   timeout=20)
            assert response.status_code == 500
        # without the flag, interpreters are made and work again
        (site / "break").unlink()
        again = session.get(url("/x"), headers=headers, timeout=20)
        assert again.status_code == 200 and again.text == "setup.test"
    pids = (site / "created").read_text().split()
    assert len(pids) == len(set(pids)) < 12, pids
    with open(server.error_log_path, "rb") as error_log:
        error_log.seek(offset)
        log = error_log.read().decode("utf-8", "replace")
    assert "MP00001: cannot set up interpreter 'broken_one'" in log
    assert log.count("MP00002: interpreter 'broken_one' is unusable") \
        == 12 - len(pids)
    # the later refusals give the first reason
    refusals = [line for line in log.splitlines() if "MP00002" in line]
    assert all("ModuleNotFoundError: import of mod_python.logbridge halted"
               in line for line in refusals), refusals


def test_a_main_interpreter_that_failed_at_child_start_spares_the_others(
        mpm):
    """Children started while the flag exists fail to set up their main
    interpreter (MP00001 at child start).  That failure is remembered like
    any other: a request for main_interpreter is a 500 with MP00002, and
    the server's own interpreter, made later from the main one, works
    once the cause is gone (it used to be MP00007, 'Python is not
    initialised', for every request of every interpreter of the child)."""
    own = Httpd(mpm, SERVER_CONFIG, extra_pythonpath=["interpfail/site"])
    site = own.htdocs / "interpfail" / "site"
    headers = {"Host": "setup.test"}
    try:
        os.chmod(site, 0o777)
        (site / "break").write_text("")
        own.start()
        assert "MP00001: cannot set up interpreter 'main_interpreter'" \
            in own.error_log()
        (site / "break").unlink()
        for _ in range(6):              # several connections: both children
            response = requests.get(own.url("/x"), headers=headers,
                                    timeout=20)
            assert response.status_code == 200, own.error_log()
            assert response.text == "setup.test"
            response = requests.get(own.url("/main/x"), headers=headers,
                                    timeout=20)
            assert response.status_code == 500
        log = own.error_log()
        assert "MP00002: interpreter 'main_interpreter' is unusable" in log
        assert "MP00007" not in log
        own.stop()
        assert own.crash_lines() == []
    finally:
        own.cleanup()


EXITING_CONFIG = """
PythonPath "sys.path+['{htdocs}/interpfail/exiting']"
PythonImport exiting_import exiting.test
<VirtualHost *:{port}>
    ServerName exiting.test
    DocumentRoot {htdocs}/interpfail/exiting
</VirtualHost>
"""


def test_child_exit_leaves_python_alone_while_an_import_runs(mpm):
    """Issue 16 item 9: every entry into Python is counted, PythonImport
    included (it used to bypass the count child exit checks), so a child
    told to stop while a PythonImport still runs Python never runs the
    interpreter's exit callbacks on top of it."""
    own = Httpd(mpm, EXITING_CONFIG)
    notes = own.htdocs / "interpfail" / "exiting"
    try:
        os.chmod(notes, 0o777)
        own.start()
        deadline = time.monotonic() + 15
        while not (notes / "import-started").exists():
            assert time.monotonic() < deadline, own.error_log()
            time.sleep(0.05)
        own.stop()
        exit_ran = read(notes / "exit-ran")
        import_ended = read(notes / "import-ended")
        # httpd lets child_init (the import) finish before the child acts
        # on the stop; then the exit callbacks run, after it, never during
        assert exit_ran, own.error_log()
        for pid, when in exit_ran.items():
            assert pid in import_ended and when >= import_ended[pid]
        # (the parent's "still did not exit" while a child finishes its
        # import is expected here; a crash is not)
        assert [line for line in own.crash_lines()
                if "still did not exit" not in line] == []
    finally:
        own.cleanup()


def read(path):
    """{pid: time} of a notes file (empty when there is none)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    return {line.split()[0]: float(line.split()[1])
            for line in text.splitlines()}
