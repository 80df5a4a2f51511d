"""The worker MPM: named interpreters and thread states under threads."""

import concurrent.futures

import pytest

from harness import Httpd

CONFIG = """
StartServers 2
ThreadsPerChild 10
<VirtualHost *:{port}>
    ServerName worker-a.test
    <Location /w>
        SetHandler mod_python
        PythonHandler wk
    </Location>
</VirtualHost>
<VirtualHost *:{port}>
    ServerName worker-b.test
    <Location /w>
        SetHandler mod_python
        PythonHandler wk
    </Location>
</VirtualHost>
"""


@pytest.fixture(scope="module")
def worker():
    server = Httpd("worker", CONFIG, extra_pythonpath=["worker"])
    try:
        yield server.start()
    finally:
        server.stop()
        crashes = server.crash_lines()
        server.cleanup()
        assert crashes == []


def test_concurrent_requests_in_two_interpreters(worker):
    hosts = ["worker-a.test", "worker-b.test"] * 100

    def fetch(host):
        response = worker.get("/w", host=host)
        return host, response.status_code, response.text

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(fetch, hosts))
    threads = set()
    for host, status, text in results:
        assert status == 200, text
        name, thread, _ = text.split()
        assert name == host
        threads.add(thread)
    assert len(threads) > 1, "all requests ran on one thread"
    assert worker.crash_lines() == []
