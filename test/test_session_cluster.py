"""Two Apache nodes behind mod_proxy_balancer (no stickiness) sharing
sessions in Redis or PostgreSQL: no lost update, and when one node is
killed with SIGKILL mid-run, the other serves every session on.

MP_CLUSTER_REQUESTS sets the requests per client and phase (default 150;
the issue's figure is 1000: the counters are exact either way, the default
keeps the test to some tens of seconds on a small CI machine)."""

import concurrent.futures
import os
import signal
import threading
import time

import pytest
import requests

from harness import Httpd, modules_dir
from stores import PgServer, RedisServer, postgres_bin, redis_available

CLIENTS = 8
REQUESTS = int(os.environ.get("MP_CLUSTER_REQUESTS", "150"))

NODE_CONFIG = """
PythonOption node {name}
<Directory {htdocs}/session>
    SetHandler mod_python
    PythonHandler sessionhandlers
    PythonDebug On
    PythonOption mod_python.session.store_timeout 2
    PythonOption mod_python.session.lock_ttl 2
</Directory>
<Location /session/redis/>
    PythonOption mod_python.session.session_type RedisSession
    PythonOption mod_python.session.redis_url {redis_url}
</Location>
<Location /session/pg/>
    PythonOption mod_python.session.session_type PgSession
    PythonOption mod_python.session.pg_dsn "{pg_dsn}"
</Location>
"""

FRONT_CONFIG = """
LoadModule proxy_module {modules}/mod_proxy.so
LoadModule proxy_http_module {modules}/mod_proxy_http.so
LoadModule proxy_balancer_module {modules}/mod_proxy_balancer.so
LoadModule lbmethod_byrequests_module {modules}/mod_lbmethod_byrequests.so
LoadModule slotmem_shm_module {modules}/mod_slotmem_shm.so
<Proxy balancer://nodes>
    BalancerMember http://127.0.0.1:{port_a} retry=60 disablereuse=On
    BalancerMember http://127.0.0.1:{port_b} retry=60 disablereuse=On
    ProxySet lbmethod=byrequests
</Proxy>
ProxyPass /session balancer://nodes/session
"""


@pytest.fixture(scope="module")
def stores():
    if not redis_available() or not postgres_bin():
        pytest.skip("redis-server or PostgreSQL is not installed "
                    "(scripts/install-deps.sh)")
    redis = RedisServer().start()
    pg = PgServer().start()
    yield {"redis": redis, "pg": pg}
    redis.cleanup()
    pg.cleanup()


@pytest.fixture
def cluster(mpm, stores):
    nodes = []
    for name in ("a", "b"):
        nodes.append(Httpd(mpm, NODE_CONFIG.format(
            name=name, htdocs="{htdocs}", redis_url=stores["redis"].url,
            pg_dsn=stores["pg"].dsn), name="mp-node-" + name).start())
    front = Httpd(mpm, FRONT_CONFIG.format(
        modules=modules_dir(), port_a=nodes[0].port, port_b=nodes[1].port),
        name="mp-front", with_mod_python=False).start()
    yield front, nodes
    front.stop()
    front.cleanup()
    for node in nodes:
        if node.process is not None:
            node.stop()
            assert not node.crash_lines(), node.crash_lines()
        node.cleanup()


class Client:
    """One browser: its own session, counting what the cluster answers."""

    def __init__(self, front, store):
        self.front = front
        self.store = store
        self.http = requests.Session()
        self.last = 0
        self.nodes = set()
        self.failures = 0
        self.unanswered = 0     # failed requests since the last answer
        self.errors = []

    def run(self, count, tolerate_failures=False):
        for _ in range(count):
            try:
                response = self.http.get(
                    self.front.url("/session/%s/counter" % self.store),
                    timeout=30)
            except requests.RequestException as error:
                response, status = None, repr(error)
            else:
                status = response.status_code
            if status != 200:
                if not tolerate_failures:
                    self.errors.append(status)
                    return self
                # the answer was lost: the update may or may not be saved
                self.failures += 1
                self.unanswered += 1
                continue
            body = response.json()
            if not self.last + 1 <= body["count"] <= \
                    self.last + 1 + self.unanswered:
                self.errors.append("count %d after %d" % (body["count"],
                                                          self.last))
            self.last = body["count"]
            self.unanswered = 0
            self.nodes.add(body["node"])
        return self

    def stored_count(self):
        response = self.http.get(
            self.front.url("/session/%s/info" % self.store), timeout=30)
        return response.json()["data"]["count"]


def run_clients(clients, count, tolerate_failures=False):
    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(lambda c: c.run(count, tolerate_failures), clients))


def shared_session_run(front, store, lock, clients=CLIENTS, each=25):
    """clients browsers on ONE session, each request reading the counter,
    waiting 5 ms and writing it back + 1; returns the final count."""
    first = requests.get(front.url("/session/%s/counter" % store),
                         timeout=30).json()
    cookie = {"Cookie": "pysid=" + first["id"]}

    def browse(_):
        http = requests.Session()
        for _ in range(each):
            response = http.get(front.url("/session/%s/counter" % store),
                                params={"ms": 5, "lock": lock},
                                headers=cookie, timeout=30)
            assert response.status_code == 200
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(browse, range(clients)))
    return requests.get(front.url("/session/%s/info" % store),
                        headers=cookie, timeout=30).json()["data"]["count"]


@pytest.mark.parametrize("store", ["redis", "pg"])
def test_cluster_lock_holds_across_nodes(cluster, store):
    """The lock is the store's, not a node's: 8 browsers on one session
    through both nodes lose no update -- and do without the lock (the
    control that shows the test can see a lost update)."""
    front, _ = cluster
    assert shared_session_run(front, store, lock=1) == 1 + CLIENTS * 25
    assert shared_session_run(front, store, lock=0) < 1 + CLIENTS * 25


@pytest.mark.parametrize("store", ["redis", "pg"])
def test_cluster_counts_exactly_and_survives_a_killed_node(cluster, store):
    front, nodes = cluster
    clients = [Client(front, store) for _ in range(CLIENTS)]

    run_clients(clients, REQUESTS)
    for client in clients:
        assert client.errors == []
        assert client.last == REQUESTS
        assert client.nodes == {"a", "b"}     # no stickiness
        assert client.stored_count() == REQUESTS

    # phase 2: node a is SIGKILLed (parent and children) a moment in
    killer = threading.Timer(0.5, os.killpg, (nodes[0].process.pid,
                                              signal.SIGKILL))
    killer.start()
    started = time.monotonic()
    run_clients(clients, REQUESTS, tolerate_failures=True)
    killer.join()
    nodes[0].process.wait()
    nodes[0].process = None
    assert time.monotonic() - started > 0.5, "the run ended before the kill"
    for client in clients:
        assert client.errors == []
        # only requests in flight at the kill may have lost their answer
        assert client.failures <= 2
        # nothing saved is lost: the store has what the client last saw,
        # or more by the requests whose answers were lost since
        final = client.stored_count()
        assert client.last <= final <= client.last + client.unanswered
        assert final >= REQUESTS * 2 - client.failures
        assert client.last >= REQUESTS + 1
