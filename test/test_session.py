"""mod_python.Session with the one-machine stores: DbmSession, FileSession,
MemorySession; the session cookie and the security of session ids."""

import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import pwd
import re
import time

import pytest
import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName session.test
    DocumentRoot {htdocs}/session
    <Directory {htdocs}/session>
        SetHandler mod_python
        PythonHandler sessionhandlers
        PythonDebug On
        PythonOption mod_python.session.database_directory {var}
    </Directory>
    <Location /dbm/>
        PythonOption mod_python.session.session_type DbmSession
        PythonOption mod_python.dbm_session.database_filename {var}/sessions.dbm
    </Location>
    <Location /file/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.file_session.database_directory {var}/files
        PythonOption mod_python.file_session.cleanup_grace_period 0
    </Location>
    <Location /file_slow/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.file_session.database_directory {var}/slow
        PythonOption mod_python.file_session.enable_fast_cleanup Off
        PythonOption mod_python.file_session.cleanup_grace_period 0
    </Location>
    <Location /file_verify/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.session.timeout 1
        PythonOption mod_python.file_session.database_directory {var}/verify
        PythonOption mod_python.file_session.cleanup_grace_period 0
    </Location>
    <Location /file_noverify/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.session.timeout 1
        PythonOption mod_python.file_session.database_directory {var}/noverify
        PythonOption mod_python.file_session.verify_session_timeout Off
        PythonOption mod_python.file_session.cleanup_grace_period 0
    </Location>
    <Location /memory/>
        PythonOption mod_python.session.session_type MemorySession
    </Location>
    <Location /named/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.session.cookie_name appsid
        PythonOption mod_python.session.timeout 77
    </Location>
    <Location /secure/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.session.cookie_secure On
    </Location>
    <Location /flags/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.session.cookie_httponly Off
        PythonOption mod_python.session.cookie_samesite Strict
    </Location>
    <Location /badtype/>
        PythonOption mod_python.session.session_type NoSuchSession
    </Location>
    <Location /planted-dbm/>
        PythonOption mod_python.session.session_type DbmSession
        PythonOption mod_python.dbm_session.database_filename {var}/planted.dbm
    </Location>
    <Location /planted-file/>
        PythonOption mod_python.session.session_type FileSession
        PythonOption mod_python.file_session.database_directory {var}/planted
    </Location>
</VirtualHost>
<VirtualHost *:{port}>
    ServerName test_Session_Session
    DocumentRoot {htdocs}/session
    <Directory {htdocs}/session>
        SetHandler mod_python
        PythonHandler sessionhandlers
        PythonDebug On
        PythonOption mod_python.session.database_directory {var}
        PythonOption mod_python.session.application_path "/path"
        PythonOption mod_python.session.application_domain "test_Session_Session"
    </Directory>
</VirtualHost>
"""

HOST = "session.test"
STORES = ("dbm", "file", "memory")
SHARED_STORES = ("dbm", "file")        # shared by the processes of a node
SID = re.compile(r"^[0-9a-f]{32}$")


def client():
    return requests.Session()


def get(httpd, path, session=None, cookies=None, host=HOST, **args):
    headers = {"Host": host}
    if cookies is not None:
        headers["Cookie"] = cookies
    return (session or requests).get(httpd.url(path), params=args,
                                     headers=headers, timeout=30,
                                     allow_redirects=False)


def session_cookie(response, name="pysid"):
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    return None


def cookie_fields(header):
    fields = {}
    for part in header.split("; "):
        key, _, value = part.partition("=")
        fields[key.lower()] = value
    return fields


@pytest.mark.parametrize("store", STORES)
def test_new_session_cookie(httpd, store):
    response = get(httpd, "/%s/counter" % store)
    assert response.status_code == 200
    body = response.json()
    assert body["new"] and body["count"] == 1
    assert body["type"] == {"dbm": "DbmSession", "file": "FileSession",
                            "memory": "MemorySession"}[store]
    header = session_cookie(response)
    sid = cookie_fields(header)["pysid"]
    assert SID.match(sid) and sid == body["id"]
    # HttpOnly, SameSite=Lax by default; Secure only on https
    assert header == "pysid=%s; path=/; httponly; samesite=Lax" % sid
    assert 'no-cache="set-cookie"' in response.headers["Cache-Control"]


@pytest.mark.parametrize("store", STORES)
def test_counter_survives_requests(httpd, store):
    browser = client()
    counts = [get(httpd, "/%s/counter" % store, browser).json()
              for _ in range(5)]
    assert [c["count"] for c in counts] == [1, 2, 3, 4, 5]
    assert [c["new"] for c in counts] == [True] + [False] * 4
    assert len({c["id"] for c in counts}) == 1


def test_secure_option_and_cookie_name_and_timeout(httpd):
    header = session_cookie(get(httpd, "/secure/info"))
    assert "; secure" in header
    response = get(httpd, "/named/info")
    assert session_cookie(response) is None
    assert session_cookie(response, "appsid") is not None
    assert response.json()["timeout"] == 77


def test_cookie_httponly_and_samesite_options(httpd):
    header = session_cookie(get(httpd, "/flags/info"))
    sid = cookie_fields(header)["pysid"]
    assert header == "pysid=%s; path=/; samesite=Strict" % sid


def test_default_timeout_is_30_minutes(httpd):
    assert get(httpd, "/file/info").json()["timeout"] == 30 * 60


@pytest.mark.parametrize("store", SHARED_STORES)
@pytest.mark.parametrize("lock", [1, 0])
def test_lock_makes_concurrent_requests_wait(httpd, store, lock):
    """Two requests of one session that each read, wait 0.6 s and write:
    locked, the second sees the first's write (count 3); with lock=0 an
    update is lost (count 2) -- proof that the lock is what serialises."""
    browser = client()
    first = get(httpd, "/%s/counter" % store, browser).json()
    assert first["count"] == 1
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: get(
            httpd, "/%s/counter" % store, client(),
            cookies="pysid=" + first["id"], ms=600, lock=lock).json(),
            range(2)))
    final = get(httpd, "/%s/info" % store, browser).json()
    if lock:
        assert sorted(r["count"] for r in results) == [2, 3]
        assert final["data"]["count"] == 3
    else:
        assert final["data"]["count"] == 2


@pytest.mark.parametrize("store", SHARED_STORES)
def test_unlock_lets_the_next_request_in_at_once(httpd, store):
    """The lock is released by unlock() before the request ends: two
    requests of one session that unlock and then work, overlap."""
    sid = get(httpd, "/%s/set" % store, client(), key="k",
              value="v").json()["id"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        spans = list(pool.map(lambda _: get(
            httpd, "/%s/unlock_early" % store, client(),
            cookies="pysid=" + sid, ms=800).json(), range(2)))
    first, second = sorted(spans, key=lambda span: span["start"])
    assert second["start"] < first["end"], spans


@pytest.mark.parametrize("store", STORES)
def test_expired_session_starts_anew(httpd, store):
    browser = client()
    first = get(httpd, "/%s/set" % store, browser, key="k", value="v",
                session_timeout=1).json()
    time.sleep(2.2)
    info = get(httpd, "/%s/info" % store, browser).json()
    assert info["new"] and info["id"] != first["id"] and info["data"] == {}


@pytest.mark.parametrize("store", STORES)
def test_cleanup_removes_expired_sessions(httpd, store):
    browser = client()
    expired = get(httpd, "/%s/set" % store, browser, key="k", value="v",
                  session_timeout=1).json()["id"]
    kept = get(httpd, "/%s/set" % store, client(), key="k",
               value="v").json()["id"]
    peek = client()          # memory: same connection, same process
    assert get(httpd, "/%s/peek" % store, browser, sid=expired).json() == \
        {"stored": True}
    time.sleep(2.2)
    get(httpd, "/%s/cleanup" % store, browser)
    assert get(httpd, "/%s/peek" % store, browser, sid=expired).json() == \
        {"stored": False}
    if store != "memory":
        assert get(httpd, "/%s/peek" % store, peek, sid=kept).json() == \
            {"stored": True}
    if store == "file":
        assert not (httpd.var / "files" / expired[:2] / expired).exists()


@pytest.mark.parametrize("store", ["dbm", "file_slow"])
def test_cleanup_by_another_client_removes_only_expired_sessions(httpd,
                                                                 store):
    """cleanup() itself, run by a request that does not hold the expired
    session (loading an expired session also deletes it)."""
    expired = get(httpd, "/%s/set" % store, client(), key="k", value="v",
                  session_timeout=1).json()["id"]
    kept = get(httpd, "/%s/set" % store, client(), key="k",
               value="v").json()["id"]
    time.sleep(2.2)
    get(httpd, "/%s/cleanup" % store, client())
    peek = lambda sid: get(httpd, "/%s/peek" % store,   # noqa: E731
                           sid=sid).json()["stored"]
    assert not peek(expired)
    assert peek(kept)


def test_file_cleanup_verifies_the_timeout_unless_told_not_to(httpd):
    """Fast cleanup judges by the file's age against the cleaning
    request's timeout (1 s here); verify_session_timeout (On) then reads
    the file and keeps a session whose own timeout is longer; Off removes
    it on its age alone."""
    ids = {}
    for store in ("file_verify", "file_noverify"):
        ids[store] = get(httpd, "/%s/set" % store, client(), key="k",
                         value="v", session_timeout=3600).json()["id"]
    time.sleep(2.2)
    for store, sid in ids.items():
        get(httpd, "/%s/cleanup" % store, client())
        stored = get(httpd, "/%s/peek" % store, sid=sid).json()["stored"]
        assert stored == (store == "file_verify"), store


@pytest.mark.parametrize("store", STORES)
def test_invalidate(httpd, store):
    browser = client()
    sid = get(httpd, "/%s/set" % store, browser, key="k",
              value="v").json()["id"]
    response = get(httpd, "/%s/invalidate" % store, browser)
    header = session_cookie(response)
    assert header.startswith("pysid=; expires=Thu, 01 Jan 1970")
    assert "max-age=0" in header
    info = get(httpd, "/%s/info" % store, cookies="pysid=" + sid).json()
    assert info["new"] and info["id"] != sid


@pytest.mark.parametrize("store", STORES)
def test_regenerate_id_after_login(httpd, store):
    """Session fixation: the id known before the login is dead after it."""
    browser = client()
    planted = get(httpd, "/%s/set" % store, browser, key="cart",
                  value="1").json()["id"]
    login = get(httpd, "/%s/login" % store, browser).json()
    assert login["old"] == planted and login["new"] != planted
    assert SID.match(login["new"])
    info = get(httpd, "/%s/info" % store, browser).json()
    assert info["id"] == login["new"] and not info["new"]
    assert info["data"] == {"cart": "1", "user": "alice"}
    stale = get(httpd, "/%s/info" % store,
                cookies="pysid=" + planted).json()
    assert stale["new"] and stale["data"] == {}


@pytest.mark.parametrize("store", STORES)
def test_ids_are_random_128_bits(httpd, store):
    ids = {get(httpd, "/%s/info" % store).json()["id"] for _ in range(40)}
    assert len(ids) == 40 and all(SID.match(sid) for sid in ids)


BAD_IDS = ["../../etc/passwd", "/path/traversal/attack/bad", "abcdef" * 64,
           "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef",
           "..%2f..%2fetc%2fx", "0123456789abcdef0123456789abcde/"]


@pytest.mark.parametrize("store", SHARED_STORES + ("memory",))
def test_foreign_ids_are_ignored(httpd, store):
    """CVE-2006-1095 class: an id not of our alphabet and length never
    reaches a path or a key; a new session starts instead."""
    offset = httpd.error_log_size()
    for bad in BAD_IDS:
        response = get(httpd, "/%s/info" % store, cookies="pysid=" + bad)
        assert response.status_code == 200
        body = response.json()
        assert body["new"] and body["id"] != bad and SID.match(body["id"])
        assert session_cookie(response) is not None
    httpd.assert_log("MP08002", since=offset)
    files = httpd.var / "files"
    if files.exists():
        assert all(SID.match(name) or len(name) == 2 or ".tmp" in name
                   for _, _, names in os.walk(files) for name in names)


@pytest.mark.parametrize("store", STORES)
def test_unknown_but_wellformed_id_is_not_adopted(httpd, store):
    planted = "0123456789abcdef0123456789abcdef"
    body = get(httpd, "/%s/info" % store, cookies="pysid=" + planted,
               save=1).json()
    assert body["new"] and body["id"] != planted


@pytest.mark.parametrize("store", STORES)
def test_odd_session_cookies_start_a_new_session(httpd, store):
    """Bytes that are not UTF-8 (or not even Latin-1 text), an empty
    value, a quoted id, several Cookie headers: a new session, no 500."""
    sid = get(httpd, "/%s/set" % store, client(), key="k",
              value="v").json()["id"]
    for raw in (b"pysid=\xff\xfe" + sid.encode()[2:], b"pysid=",
                b"pysid=\"" + sid.encode() + b"\"",
                b"pysid=" + sid.encode()[:31] + b"\xe9",
                b"pysid=" + sid.encode() + b"\x00"):
        connection = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                                timeout=20)
        try:
            connection.putrequest("GET", "/%s/info" % store, skip_host=True)
            connection.putheader("Host", HOST)
            connection.putheader("Cookie", raw)
            connection.endheaders()
            response = connection.getresponse()
            status, body = response.status, response.read()
        finally:
            connection.close()
        if b"\x00" in raw:          # Apache refuses NUL in a header itself
            assert status == 400
            continue
        assert status == 200, (raw, body)
        info = json.loads(body)
        assert info["new"] and info["id"] != sid and info["data"] == {}


def test_forced_sid_must_be_one_of_ours(httpd):
    """Session(req, sid=...) takes only our form of id, and does not adopt
    a well-formed id it does not know."""
    for bad in ("../../etc/passwd", "A" * 32, "0" * 31):
        body = get(httpd, "/file/forced", sid=bad).json()
        assert "invalid session id" in body["error"]
    planted = "0123456789abcdef0123456789abcdef"
    body = get(httpd, "/file/forced", sid=planted).json()
    assert body["new"] and body["id"] != planted
    known = get(httpd, "/file/set", client(), key="k",
                value="v").json()["id"]
    assert get(httpd, "/file/forced", sid=known).json() == \
        {"id": known, "new": False}


def test_signed_session_cookie(httpd):
    browser = client()
    response = get(httpd, "/file/counter", browser, secret="k3y")
    header = session_cookie(response)
    sid = response.json()["id"]
    assert cookie_fields(header)["pysid"].endswith(sid)
    assert len(cookie_fields(header)["pysid"]) == 64 + 32
    assert get(httpd, "/file/counter", browser,
               secret="k3y").json()["count"] == 2
    # the bare id, without signature, is not accepted
    forged = get(httpd, "/file/counter", cookies="pysid=" + sid,
                 secret="k3y").json()
    assert forged["new"] and forged["id"] != sid
    # signed with another secret, or the signature of another id
    other = hmac.new(b"other", ("pysid=" + sid).encode(),
                     hashlib.sha256).hexdigest()
    second = get(httpd, "/file/counter", client(), secret="k3y").json()["id"]
    moved = cookie_fields(header)["pysid"][:64] + second
    for value in (other + sid, moved):
        forged = get(httpd, "/file/counter", cookies="pysid=" + value,
                     secret="k3y").json()
        assert forged["new"] and forged["id"] not in (sid, second)


@pytest.mark.parametrize("store", SHARED_STORES)
def test_store_files_are_private_to_apaches_user(httpd, store):
    """The stores hold every session's data, pickled: their files are
    readable and writable by Apache's user only."""
    sid = get(httpd, "/%s/set" % store, client(), key="k",
              value="v").json()["id"]
    if store == "file":
        directory = httpd.var / "files" / sid[:2]
        paths = [directory, directory / sid]
    else:
        paths = sorted(httpd.var.glob("sessions.dbm*"))
    assert paths
    for path in paths:
        mode = path.stat().st_mode & 0o777
        assert not mode & 0o077, "%s has mode %o" % (path, oct(mode))


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="planting files of another user needs root")
def test_store_planted_by_another_user_is_refused(httpd):
    """The default store is in the temp directory, where any local user
    can make the DBM file or a file session's directory first and then
    rewrite the pickles Apache loads (running code as Apache's user).
    Such a store is refused with a 500 (MP08004), never read or written."""
    nobody = pwd.getpwnam("nobody").pw_uid
    planted = httpd.var / "planted"
    planted.mkdir()
    for number in range(256):
        directory = planted / ("%02x" % number)
        directory.mkdir()
        os.chown(directory, nobody, -1)
        directory.chmod(0o777)
    offset = httpd.error_log_size()
    response = get(httpd, "/planted-file/set", key="k", value="v")
    assert response.status_code == 500
    httpd.assert_log("MP08004", since=offset)
    assert not [name for _, _, names in os.walk(planted) for name in names]

    # the cleanup unpickles old session files: not those of such a
    # directory, nor any file elsewhere in the store's directory
    marker = httpd.var / "planted-pickle-ran"
    payload = b"cbuiltins\nopen\n(V%s\nVw\ntR." % str(marker).encode()
    sid = "ab" + "0" * 30
    (planted / "elsewhere").mkdir()
    for path in (planted / "ab" / sid, planted / "elsewhere" / sid):
        path.write_bytes(payload)
        os.utime(path, (0, 0))
    assert get(httpd, "/planted-file/cleanup").status_code == 200
    assert not marker.exists()

    # a DBM file of the right format, but another user's and writable
    assert get(httpd, "/planted-dbm/set", key="k",
               value="v").status_code == 200
    files = sorted(httpd.var.glob("planted.dbm*"))
    assert files
    for path in files:
        os.chown(path, nobody, -1)
        path.chmod(0o666)
    offset = httpd.error_log_size()
    response = get(httpd, "/planted-dbm/info", save=1)
    assert response.status_code == 500
    httpd.assert_log("MP08004", since=offset)


def test_default_type_is_dbm_session(httpd):
    response = get(httpd, "/info", host="test_Session_Session")
    assert response.json()["type"] == "DbmSession"


def test_unknown_type_is_a_500_naming_the_option(httpd):
    offset = httpd.error_log_size()
    assert get(httpd, "/badtype/info").status_code == 500
    assert "NoSuchSession" in httpd.wait_for_log("NoSuchSession",
                                                 since=offset)


def raw_session_3_5(httpd, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                            timeout=20)
    try:
        connection.putrequest("GET", "/session_3_5", skip_host=True)
        connection.putheader("Host", "test_Session_Session")
        if cookie:
            connection.putheader("Cookie", cookie)
        connection.endheaders()
        response = connection.getresponse()
        return (response.status, response.getheader("set-cookie"),
                response.read())
    finally:
        connection.close()


def test_3_5_session_session(httpd):
    """3.5's test_Session_Session: path and domain from the options, the
    cookie accepted on the next request."""
    status, setcookie, body = raw_session_3_5(httpd)
    assert (status, body) == (200, b"test ok") and setcookie
    fields = cookie_fields(setcookie)
    assert fields["path"] == "/path"
    assert fields["domain"] == "test_Session_Session"
    status, _, body = raw_session_3_5(httpd, setcookie)
    assert (status, body) == (200, b"test ok")


def test_3_5_session_illegal_sid(httpd):
    for bad in ("pysid=/path/traversal/attack/bad; path=/",
                "pysid=%s; path=/" % ("abcdef" * 64)):
        status, setcookie, _ = raw_session_3_5(httpd, bad)
        assert status == 200 and setcookie
