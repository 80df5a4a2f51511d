"""Graceful restarts, restarts and stop (own server for each MPM)."""

import concurrent.futures

import pytest
import requests

from harness import CRASH_PATTERNS, Httpd, rss_kib

SERVER_CONFIG = """
PythonImport myscript restart.test
<VirtualHost *:{port}>
    ServerName restart.test
    DocumentRoot {htdocs}/tutorial/hello
    <Directory {htdocs}/tutorial/hello>
        AddHandler python-program .py
        PythonHandler myscript
    </Directory>
    <Location /other>
        SetHandler mod_python
        PythonInterpreter other_interpreter
    </Location>
</VirtualHost>
"""

HOST = "restart.test"
CYCLES = 20
MAX_PARENT_GROWTH_KIB = 1024


@pytest.fixture
def server(mpm, request):
    own = Httpd(mpm, SERVER_CONFIG, extra_pythonpath=["tutorial/hello"])
    request.node.mp_server, request.node.mp_log_offset = own, 0
    try:
        yield own.start()
    finally:
        own.cleanup()


def assert_serves(server):
    for path in ("/hello.py", "/other/hello.py"):
        response = server.get(path, host=HOST)
        assert (response.status_code, response.text) == (200, "Hello World!")


def traffic(server, count=40):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        paths = ["/hello.py", "/other/hello.py"] * (count // 2)
        statuses = list(pool.map(
            lambda path: server.get(path, host=HOST).status_code, paths))
    failed = [status for status in statuses if status != 200]
    assert failed == [], "%d of %d requests failed" % (len(failed),
                                                        len(statuses))


@pytest.mark.parametrize("kind", ["graceful", "restart"])
def test_restarts_keep_serving_without_growing(server, kind):
    traffic(server)
    parent = server.parent_pid()
    sizes = []
    for _ in range(CYCLES):
        getattr(server, kind)()
        assert server.parent_pid() == parent
        assert_serves(server)
        sizes.append(rss_kib(parent))
    traffic(server)
    growth = sizes[-1] - sizes[0]
    assert growth <= MAX_PARENT_GROWTH_KIB, \
        "parent RSS grew by %d KiB over %d %s restarts: %s" % (
            growth, CYCLES - 1, kind, sizes)
    assert server.crash_lines() == []


def test_stop_after_traffic_is_quick(server):
    traffic(server)
    with requests.Session() as idle:    # an idle keep-alive connection
        idle.get(server.url("/hello.py"), headers={"Host": HOST}, timeout=20)
        elapsed = server.stop()
    assert elapsed < 2.0, "apache2 -k stop took %.2fs" % elapsed
    log = server.error_log()
    assert not [line for line in log.splitlines()
                if any(pattern in line for pattern in CRASH_PATTERNS)]
