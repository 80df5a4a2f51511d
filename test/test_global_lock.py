"""_apache._global_lock / _global_trylock / _global_unlock: cross-process
mutexes made by the parent before the children start."""

import concurrent.futures
import os
import signal
import threading
import time

import pytest

from harness import Httpd

CONFIG = """
<VirtualHost *:{port}>
    ServerName globallock.test
    DocumentRoot {htdocs}/session
    <Directory {htdocs}/session>
        SetHandler mod_python
        PythonHandler sessionhandlers
        PythonDebug On
    </Directory>
</VirtualHost>
"""

HOST = "globallock.test"
OWN_CONFIG = """
PythonOption mod_python.mutex_locks 3
PythonOption mod_python.mutex_directory {var}
<Directory {htdocs}/session>
    SetHandler mod_python
    PythonHandler sessionhandlers
    PythonDebug On
</Directory>
"""


def get(server, page, host=HOST, **args):
    return server.get("/" + page, host=host, params=args, timeout=30)


def concurrently(count, call):
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def assert_one_after_another(intervals):
    intervals = sorted(intervals)
    for (_, end), (start, _) in zip(intervals, intervals[1:]):
        assert start >= end - 0.002, intervals


def test_3_5_global_lock_serialises_requests(httpd):
    """3.5's test_global_lock: 5 requests holding lock 1 for 0.3 s each
    take at least 1.5 s together."""
    assert get(httpd, "hold_index", seconds="0.01").text == "test ok"
    started = time.monotonic()
    results = concurrently(5, lambda: get(httpd, "hold_index",
                                          seconds="0.3"))
    elapsed = time.monotonic() - started
    assert [r.text for r in results] == ["test ok"] * 5
    assert elapsed >= 1.5


def test_one_key_one_holder_across_processes(httpd):
    results = concurrently(4, lambda: get(httpd, "hold", key="same",
                                          ms=200).json())
    assert_one_after_another([(r["start"], r["end"]) for r in results])


def test_trylock_fails_while_held(httpd):
    # the holder writes its pid once it has the lock (a fixed head start
    # was not enough on a loaded machine)
    pidfile = httpd.var / "tried.pid"
    holder = threading.Thread(target=get, args=(httpd, "hold"),
                              kwargs={"key": "tried", "ms": 1500,
                                      "pidfile": str(pidfile)})
    holder.start()
    assert httpd.wait_for_var("tried.pid", timeout=20)
    assert get(httpd, "try", key="tried").json() == {"got": False}
    holder.join()
    assert get(httpd, "try", key="tried").json() == {"got": True}


def test_handler_dying_with_a_lock_does_not_leave_it_held(httpd):
    offset = httpd.error_log_size()
    for _ in range(3):     # more than one child/thread would still hold it
        assert get(httpd, "leak", key="leaked").status_code == 500
    log = httpd.wait_for_log("MP08051", since=offset)
    assert "MP08051" in log and "was still held" in log
    started = time.monotonic()
    assert get(httpd, "hold", key="leaked", ms=1).status_code == 200
    assert time.monotonic() - started < 5


def test_misuse_raises_instead_of_deadlocking(httpd):
    assert get(httpd, "misuse").json() == {
        "unlock_not_held": "RuntimeError",
        "index_out_of_range": "ValueError", "not_a_server": "TypeError",
        "twice": "RuntimeError"}


def test_default_count_is_eight(httpd):
    assert get(httpd, "count").json() == {"count": 8}


@pytest.fixture(scope="module")
def own_server(mpm):
    server = Httpd(mpm, OWN_CONFIG, name="mp-globallock").start()
    yield server
    server.stop()
    assert not server.crash_lines()
    server.cleanup()


def test_options_set_count_and_directory(own_server):
    assert get(own_server, "session/count", host=None).json() == {"count": 3}
    # the lock files are unlinked as soon as they are made
    assert not [name for name in os.listdir(own_server.var)
                if name.startswith("mod_python_mutex")]


def test_lock_held_by_old_generation_holds_after_graceful(own_server):
    """The set survives a graceful restart: a lock taken by a child of the
    old generation still excludes the children of the new one."""
    holder = threading.Thread(target=get, args=(own_server, "session/hold"),
                              kwargs={"host": None, "key": "g", "ms": 2500})
    holder.start()
    time.sleep(0.3)
    own_server.graceful()
    assert get(own_server, "session/try", host=None, key="g").json() == \
        {"got": False}
    holder.join()
    assert get(own_server, "session/try", host=None, key="g").json() == \
        {"got": True}


def test_child_killed_holding_a_lock_frees_it(own_server):
    pidfile = own_server.var / "holder.pid"
    def hold():
        import requests
        with pytest.raises(requests.ConnectionError):   # its child dies
            own_server.get("/session/hold", timeout=30, params={
                "key": "k9", "ms": 20000, "pidfile": str(pidfile)})
    holder = threading.Thread(target=hold)
    holder.start()
    pid = int(own_server.wait_for_var("holder.pid", timeout=10))
    assert get(own_server, "session/try", host=None, key="k9").json() == \
        {"got": False}
    os.kill(pid, signal.SIGKILL)
    holder.join()
    deadline = time.monotonic() + 5
    while get(own_server, "session/try", host=None, key="k9").json() != \
            {"got": True}:
        assert time.monotonic() < deadline, "lock still held after SIGKILL"
        time.sleep(0.1)
    # our own kill, not a crash: forget it for the crash check
    log = own_server.error_log_path.read_text()
    own_server.error_log_path.write_text(log.replace("exit signal",
                                                     "exit by test signal"))


@pytest.mark.parametrize("value", ["many", "-1", "5000"])
def test_bad_mutex_locks_refuses_to_start(mpm, value):
    server = Httpd(mpm, "PythonOption mod_python.mutex_locks %s\n" % value,
                   name="mp-globallock-bad")
    try:
        with pytest.raises(Exception):
            server.start(timeout=5)
        assert "MP08050" in server.error_log() + server.diagnostics()
        assert "mod_python.mutex_locks" in server.error_log()
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()
        server.process = None
        server.cleanup()
