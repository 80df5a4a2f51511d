"""RedisSession and PgSession against real redis-server and PostgreSQL
started by the test (stores.py): counters, the lock, expiry and cleanup,
the store going away (503, quickly, the reason logged) and coming back."""

import concurrent.futures
import time

import pytest
import requests

from stores import PgServer, RedisServer, postgres_bin, redis_available
from harness import free_port

REDIS_PORT = free_port()
PG_PORT = free_port()

CONFIG = """
<VirtualHost *:{port}>
    ServerName stores.test
    DocumentRoot {htdocs}/session
    <Directory {htdocs}/session>
        SetHandler mod_python
        PythonHandler sessionhandlers
        PythonDebug On
        PythonOption mod_python.session.store_timeout 2
    </Directory>
    <Location /redis/>
        PythonOption mod_python.session.session_type RedisSession
        PythonOption mod_python.session.redis_url redis://127.0.0.1:REDIS_PORT/0
    </Location>
    <Location /pg/>
        PythonOption mod_python.session.session_type PgSession
        PythonOption mod_python.session.pg_dsn "host=127.0.0.1 port=PG_PORT user=postgres dbname=postgres"
    </Location>
    <Location /redisprefix/>
        PythonOption mod_python.session.session_type RedisSession
        PythonOption mod_python.session.redis_url redis://127.0.0.1:REDIS_PORT/0
        PythonOption mod_python.session.redis_prefix otherapp:
    </Location>
    <Location /redislockwait/>
        PythonOption mod_python.session.session_type RedisSession
        PythonOption mod_python.session.redis_url redis://127.0.0.1:REDIS_PORT/0
        PythonOption mod_python.session.lock_wait 1
    </Location>
    <Location /pglockwait/>
        PythonOption mod_python.session.session_type PgSession
        PythonOption mod_python.session.pg_dsn "host=127.0.0.1 port=PG_PORT user=postgres dbname=postgres"
        PythonOption mod_python.session.lock_wait 1
    </Location>
    <Location /pgtable/>
        PythonOption mod_python.session.session_type PgSession
        PythonOption mod_python.session.pg_dsn "host=127.0.0.1 port=PG_PORT user=postgres dbname=postgres"
        PythonOption mod_python.session.pg_table "x;drop_table_mod_python_sessions"
    </Location>
</VirtualHost>
""".replace("REDIS_PORT", str(REDIS_PORT)).replace("PG_PORT", str(PG_PORT))

HOST = "stores.test"
STORES = ("redis", "pg")


@pytest.fixture(scope="module")
def servers():
    if not redis_available():
        pytest.skip("redis-server is not installed (scripts/install-deps.sh)")
    if not postgres_bin():
        pytest.skip("PostgreSQL is not installed (scripts/install-deps.sh)")
    redis = RedisServer(REDIS_PORT).start()
    pg = PgServer(PG_PORT).start()
    yield {"redis": redis, "pg": pg}
    redis.cleanup()
    pg.cleanup()


def get(httpd, path, session=None, cookies=None, **args):
    headers = {"Host": HOST}
    if cookies is not None:
        headers["Cookie"] = cookies
    return (session or requests).get(httpd.url(path), params=args,
                                     headers=headers, timeout=30)


@pytest.mark.parametrize("store", STORES)
def test_counter_and_cookie(httpd, servers, store):
    browser = requests.Session()
    counts = [get(httpd, "/%s/counter" % store, browser).json()
              for _ in range(4)]
    assert [c["count"] for c in counts] == [1, 2, 3, 4]
    assert counts[0]["type"] == {"redis": "RedisSession",
                                 "pg": "PgSession"}[store]
    assert len({c["id"] for c in counts}) == 1


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("lock", [1, 0])
def test_lock_serialises_one_session(httpd, servers, store, lock):
    browser = requests.Session()
    sid = get(httpd, "/%s/counter" % store, browser).json()["id"]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: get(httpd, "/%s/counter" % store,
                                    cookies="pysid=" + sid, ms=500,
                                    lock=lock), range(3)))
    final = get(httpd, "/%s/info" % store, browser).json()["data"]["count"]
    assert final == (4 if lock else 2)


def test_redis_expiry_is_a_ttl(httpd, servers):
    redis = servers["redis"]
    sid = get(httpd, "/redis/set", key="k", value="v",
              session_timeout=5).json()["id"]
    ttl = int(redis.cli("TTL", "mpsession:" + sid))
    assert 3 <= ttl <= 5
    assert redis.cli("EXISTS", "mpsession:%s:lock" % sid) == "0"


def test_pg_expiry_and_cleanup(httpd, servers):
    pg = servers["pg"]
    browser = requests.Session()
    sid = get(httpd, "/pg/set", browser, key="k", value="v",
              session_timeout=1).json()["id"]
    assert pg.psql("SELECT count(*) FROM mod_python_sessions WHERE sid = '%s'"
                   % sid) == "1"
    time.sleep(2.2)
    info = get(httpd, "/pg/info", browser).json()
    assert info["new"] and info["id"] != sid
    get(httpd, "/pg/cleanup")
    assert pg.psql("SELECT count(*) FROM mod_python_sessions WHERE "
                   "expires <= now()") == "0"


@pytest.mark.parametrize("store", STORES)
def test_expired_session_starts_anew(httpd, servers, store):
    browser = requests.Session()
    sid = get(httpd, "/%s/set" % store, browser, key="k", value="v",
              session_timeout=1).json()["id"]
    time.sleep(2.2)
    info = get(httpd, "/%s/info" % store, browser).json()
    assert info["new"] and info["id"] != sid and info["data"] == {}


@pytest.mark.parametrize("store", STORES)
def test_foreign_ids_never_reach_the_store(httpd, servers, store):
    for bad in ("x' OR '1'='1", "*", "../../etc/x", "a" * 32):
        response = get(httpd, "/%s/info" % store, cookies="pysid=" + bad)
        assert response.status_code == 200 and response.json()["new"]
    if store == "redis":
        assert servers["redis"].cli("KEYS", "*\\**") == ""
    else:
        assert servers["pg"].psql("SELECT count(*) FROM mod_python_sessions "
                                  "WHERE sid !~ '^[0-9a-f]{32}$'") == "0"


def test_redis_prefix_option(httpd, servers):
    sid = get(httpd, "/redisprefix/set", key="k", value="v").json()["id"]
    assert servers["redis"].cli("EXISTS", "otherapp:" + sid) == "1"
    assert servers["redis"].cli("EXISTS", "mpsession:" + sid) == "0"


@pytest.mark.parametrize("store", ["redislockwait", "pglockwait"])
def test_lock_wait_ends_in_a_503(httpd, servers, store):
    """A session lock not free within lock_wait seconds: 503 and MP08001,
    not a request that hangs behind a slow one."""
    sid = get(httpd, "/%s/set" % store, key="k", value="v").json()["id"]
    offset = httpd.error_log_size()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        holder = pool.submit(get, httpd, "/%s/counter" % store,
                             cookies="pysid=" + sid, ms=3000)
        time.sleep(0.5)
        started = time.monotonic()
        waiting = get(httpd, "/%s/info" % store, cookies="pysid=" + sid)
        waited = time.monotonic() - started
        assert holder.result().status_code == 200
    assert waiting.status_code == 503
    assert waited < 2.5
    httpd.assert_log("MP08001", since=offset)


def test_pg_table_name_is_checked_before_any_sql(httpd, servers):
    """The table name cannot be a bound parameter: one that is not a plain
    lower-case identifier is a 500 naming the option, and nothing runs."""
    get(httpd, "/pg/counter")
    offset = httpd.error_log_size()
    response = get(httpd, "/pgtable/counter")
    assert response.status_code == 500
    assert "mod_python.session.pg_table" in httpd.wait_for_log(
        "pg_table", since=offset)
    assert servers["pg"].psql("SELECT count(*) FROM pg_tables WHERE "
                              "tablename = 'mod_python_sessions'") == "1"


@pytest.mark.parametrize("store", STORES)
def test_store_down_is_a_quick_503_then_back(httpd, servers, store):
    server = servers[store]
    browser = requests.Session()
    assert get(httpd, "/%s/counter" % store, browser).json()["count"] == 1
    offset = httpd.error_log_size()
    server.stop()
    try:
        for _ in range(3):
            started = time.monotonic()
            response = get(httpd, "/%s/counter" % store, browser)
            assert response.status_code == 503
            assert time.monotonic() - started < 6
        log = httpd.wait_for_log("MP08001", since=offset)
        assert "MP08001" in log and "unavailable" in log
        assert "password" not in log
    finally:
        server.start()
    # pooled connections broken by the restart are replaced at once; the
    # data is kept (Redis: append-only file; PostgreSQL: its tables)
    response = get(httpd, "/%s/counter" % store, browser)
    assert response.status_code == 200
    assert response.json()["count"] == 2
