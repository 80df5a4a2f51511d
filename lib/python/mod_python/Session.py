"""Sessions: data kept on the server between the requests of one client.

``Session(req)`` returns a dict-like session object of the class chosen by
``PythonOption mod_python.session.session_type``::

    from mod_python import Session

    def handler(req):
        session = Session.Session(req)
        session["hits"] = session.get("hits", 0) + 1
        session.save()
        ...

The client holds only the session id, in a cookie (``pysid`` by default):
128 random bits from :mod:`secrets`, HttpOnly, SameSite=Lax, Secure on
https.  An id from the client that is not of that form is ignored and a new
session started.  The data stays on the server, pickled, in one of:

``DbmSession``     one DBM file (one machine)
``FileSession``    one file per session (one machine)
``MemorySession``  the memory of one process (single-process servers)
``RedisSession``   Redis (any number of Apache nodes)
``PgSession``      PostgreSQL (any number of Apache nodes)

While a request holds a session, it is locked (``lock=1``, the default):
a second request for the same session waits until the first one is done.
The lock is a global mutex of Apache for the one-machine stores, and a lock
in the store itself for Redis and PostgreSQL, so it holds across nodes.
"""

import os
import pickle
import random
import re
import secrets
import stat
import tempfile
import threading
import time

import _apache
from mod_python import apache, Cookie

__all__ = ["Session", "BaseSession", "DbmSession", "FileSession",
           "MemorySession", "RedisSession", "PgSession", "COOKIE_NAME",
           "DFT_TIMEOUT", "CLEANUP_CHANCE", "SessionStoreError"]

COOKIE_NAME = "pysid"
DFT_TIMEOUT = 30 * 60            # seconds
CLEANUP_CHANCE = 1000            # cleanup() runs once in this many requests
SID_BYTES = 16                   # 128 bits
_SID = re.compile(r"^[0-9a-f]{%d}$" % (2 * SID_BYTES))
_OPTION = "mod_python.session."


class SessionStoreError(Exception):
    """The session store cannot be reached (becomes a 503)."""


def _log(req, number, message, level=apache.APLOG_ERR):
    req.log_error("mod_python.Session: MP%05d: %s" % (number, message), level)


def _store_unavailable(req, store, error):
    """Log why the store failed and answer 503 Service Unavailable."""
    _log(req, 8001, "session store %s unavailable: %s: %s"
         % (store, type(error).__name__, error))
    raise apache.SERVER_RETURN(apache.HTTP_SERVICE_UNAVAILABLE)


def _foreign(path):
    """The os.lstat() of *path* when it exists and is not private to Apache's
    user (its own, not a symbolic link, nobody else may write to it), else
    None. The default store is in the temp directory, where another local
    user could make it first and then rewrite the pickles it holds: code that
    Apache would run."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    if status.st_uid == os.geteuid() and not stat.S_ISLNK(status.st_mode) \
            and not status.st_mode & 0o022:
        return None
    return status


def _refuse_foreign(req, path):
    """Stop the request (500, MP08004) when *path* is _foreign()."""
    status = _foreign(path)
    if status is None:
        return
    _log(req, 8004, "session store %s is not private to Apache's user "
         "(owner uid %d, mode %s): refused"
         % (path, status.st_uid, oct(stat.S_IMODE(status.st_mode))))
    raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)


def new_sid():
    """A new session id: 128 random bits as 32 hex digits."""
    return secrets.token_hex(SID_BYTES)


def valid_sid(sid):
    return isinstance(sid, str) and _SID.match(sid) is not None


def _flag(value):
    return str(value).strip().lower() in ("1", "on", "yes", "true")


class BaseSession(dict):
    """The session API; a subclass provides the store (do_load, do_save,
    do_delete, do_cleanup).

    Session(req, sid=None, secret=None, timeout=0, lock=1): sid is taken
    from the session cookie when not given; secret signs that cookie
    (SignedCookie); timeout 0 means mod_python.session.timeout or 30
    minutes; lock=0 does not lock the session for this request."""

    def __init__(self, req, sid=None, secret=None, lock=1, timeout=0):
        dict.__init__(self)
        self._req = req
        self._options = req.get_options()
        self._secret = secret
        self._lock = lock
        self._locked = False
        self._invalid = False
        self._new = True
        self._created = self._accessed = time.time()
        self._timeout = (timeout or int(self._option("timeout", 0))
                         or DFT_TIMEOUT)
        self._cookie_name = self._option("cookie_name", COOKIE_NAME)
        self._sid = None
        self._unlock_registered = False

        if sid is not None and not valid_sid(sid):
            raise ValueError("invalid session id %r" % (sid,))
        sid = sid or self._sid_from_cookie()
        if sid:
            self._sid = sid
            self.lock()
            if self.load():
                self._new = False
            else:
                self.unlock()
        if self._new:
            self._sid = new_sid()
            self._created = time.time()
            self.lock()
            self.make_cookie()
        self._accessed = time.time()
        if random.randint(1, CLEANUP_CHANCE) == 1:
            req.register_cleanup(self._cleanup_after_request)

    # ------------------------------------------------------------ options

    def _option(self, name, default=None):
        return self._options.get(_OPTION + name, default)

    # ------------------------------------------------------------- cookie

    def _sid_from_cookie(self):
        if self._secret:
            cookie = Cookie.get_cookie(self._req, self._cookie_name,
                                       Cookie.SignedCookie,
                                       secret=self._secret,
                                       mismatch=Cookie.Cookie.IGNORE)
        else:
            cookie = Cookie.get_cookie(self._req, self._cookie_name)
        if cookie is None:
            return None
        if not valid_sid(cookie.value):
            _log(self._req, 8002, "ignored a session id that is not ours "
                 "(%d characters); a new session starts"
                 % len(str(cookie.value)), apache.APLOG_INFO)
            return None
        return cookie.value

    def make_cookie(self):
        """Send the session cookie (called for a new or regenerated id)."""
        attributes = {"path": self._option("application_path")
                      or self._default_path(),
                      "httponly": _flag(self._option("cookie_httponly", "1")),
                      "samesite": self._option("cookie_samesite", "Lax")}
        domain = self._option("application_domain")
        if domain:
            attributes["domain"] = domain
        if self._is_https() or _flag(self._option("cookie_secure", "0")):
            attributes["secure"] = True
        if self._secret:
            cookie = Cookie.SignedCookie(self._cookie_name, self._sid,
                                         secret=self._secret, **attributes)
        else:
            cookie = Cookie.Cookie(self._cookie_name, self._sid, **attributes)
        self._cookie = cookie
        Cookie.add_cookie(self._req, cookie)
        return cookie

    def _default_path(self):
        # 3.5: the directory of the handler, else /
        return "/"

    def _is_https(self):
        try:
            return bool(self._req.is_https())
        except Exception:   # noqa: BLE001 - no SSL module: plain http
            return False

    # ------------------------------------------------------------ the API

    def id(self):
        return self._sid

    def is_new(self):
        return self._new

    def created(self):
        return self._created

    def last_accessed(self):
        return self._accessed

    def timeout(self):
        return self._timeout

    def set_timeout(self, seconds):
        self._timeout = int(seconds)

    def invalidate(self):
        """Delete the session and tell the client to drop its cookie."""
        cookie = Cookie.Cookie(self._cookie_name, "", path=self._option(
            "application_path") or self._default_path(), expires=0,
            max_age=0)
        domain = self._option("application_domain")
        if domain:
            cookie.domain = domain
        Cookie.add_cookie(self._req, cookie)
        self.delete()
        self._invalid = True

    def regenerate_id(self):
        """Give this session a new id (and cookie), keeping its data.

        Call it after a login, so that an id an attacker planted before
        the login (session fixation) is worth nothing afterwards."""
        old = self._sid
        was_locked = self._locked
        self.do_delete_sid(old)
        self.unlock()
        self._sid = new_sid()
        if was_locked:
            self.lock()
        self.make_cookie()
        self._new = True
        return self._sid

    def load(self):
        """Read the session from the store; False if absent or expired."""
        record = self.do_load()
        if record is None:
            return False
        if time.time() - record["_accessed"] > record["_timeout"]:
            self.do_delete_sid(self._sid)
            return False
        self._created = record["_created"]
        self._accessed = record["_accessed"]
        self._timeout = record["_timeout"]
        self.clear()
        self.update(record["_data"])
        return True

    def save(self):
        """Write the session to the store (not after invalidate())."""
        if self._invalid:
            return
        self.do_save({"_data": dict(self), "_created": self._created,
                      "_accessed": self._accessed,
                      "_timeout": self._timeout})

    def delete(self):
        self.do_delete_sid(self._sid)
        self.clear()

    def do_delete_sid(self, sid):
        self.do_delete(sid)

    def init_lock(self):
        """Kept for 3.5 compatibility: the locks exist already."""

    def lock(self):
        """Lock the session for this request (no-op with lock=0)."""
        if self._lock and not self._locked:
            self.do_lock()
            self._locked = True
            if not self._unlock_registered:
                self._req.register_cleanup(self._unlock_after_request)
                self._unlock_registered = True

    def unlock(self):
        if self._locked:
            self._locked = False
            self.do_unlock()

    def _unlock_after_request(self, data=None):
        try:
            self.unlock()
        except apache.SERVER_RETURN:
            pass        # the store is down: logged (MP08001); its lock expires

    def _cleanup_after_request(self, data=None):
        try:
            self.cleanup()
        except Exception as error:   # noqa: BLE001 - logged, never fatal
            _log(self._req, 8003, "session cleanup failed: %s: %s"
                 % (type(error).__name__, error), apache.APLOG_WARNING)

    def cleanup(self):
        """Remove the expired sessions of the store."""
        self.do_cleanup()

    # The global mutex: the lock of the one-machine stores.
    def do_lock(self):
        _apache._global_lock(self._req.server, self._sid)

    def do_unlock(self):
        _apache._global_unlock(self._req.server, self._sid)

    def do_load(self):
        raise NotImplementedError

    def do_save(self, record):
        raise NotImplementedError

    def do_delete(self, sid):
        raise NotImplementedError

    def do_cleanup(self):
        raise NotImplementedError


def _directory_option(session, *names):
    for name in names:
        value = session._options.get(name)
        if value:
            return value
    return tempfile.gettempdir()


# ------------------------------------------------------------------- DBM

class DbmSession(BaseSession):
    """Every session in one DBM file, guarded by global mutex 0.

    Options: mod_python.dbm_session.database_filename (a full path), or
    mod_python.dbm_session.database_directory / mod_python.session.
    database_directory with the file mp_sess.dbm in it."""

    def __init__(self, req, dbm=None, sid=None, secret=None, dbmtype=None,
                 timeout=0, lock=1):
        self._options = req.get_options()
        filename = dbm or self._options.get(
            "mod_python.dbm_session.database_filename")
        if not filename:
            filename = os.path.join(_directory_option(
                self, "mod_python.dbm_session.database_directory",
                "mod_python.session.database_directory"), "mp_sess.dbm")
        self._dbmfile = filename
        if dbmtype is None:
            import dbm as dbmtype
        self._dbmtype = dbmtype
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    # the names the dbm modules of the standard library give their files
    _SUFFIXES = ("", ".db", ".dat", ".dir", ".pag", ".bak")

    def _with_dbm(self, action):
        for suffix in self._SUFFIXES:
            _refuse_foreign(self._req, self._dbmfile + suffix)
        _apache._global_lock(self._req.server, None, 0)
        try:
            database = self._dbmtype.open(self._dbmfile, "c", 0o600)
            try:
                return action(database)
            finally:
                database.close()
        finally:
            _apache._global_unlock(self._req.server, None, 0)

    def do_load(self):
        def read(database):
            data = database.get(self._sid.encode())
            return None if data is None else pickle.loads(data)
        return self._with_dbm(read)

    def do_save(self, record):
        def write(database):
            database[self._sid.encode()] = pickle.dumps(record)
        self._with_dbm(write)

    def do_delete(self, sid):
        def remove(database):
            try:
                del database[sid.encode()]
            except KeyError:
                pass
        self._with_dbm(remove)

    def do_cleanup(self):
        now = time.time()

        def sweep(database):
            for key in list(database.keys()):
                record = pickle.loads(database[key])
                if now - record["_accessed"] > record["_timeout"]:
                    del database[key]
        self._with_dbm(sweep)


# ----------------------------------------------------------------- files

class FileSession(BaseSession):
    """One pickle file per session, in <directory>/<first 2 digits>/<id>.

    Options (mod_python.file_session.*): database_directory (else
    mod_python.session.database_directory, else the temp directory),
    enable_fast_cleanup (judge expiry by the file's mtime, default On),
    verify_session_timeout (with fast cleanup, read the files that look
    expired to check their own timeout, default On), cleanup_grace_period
    (seconds kept past expiry, default 240), cleanup_time_limit (seconds a
    cleanup may run, default 2)."""

    def __init__(self, req, sid=None, secret=None, timeout=0, lock=1,
                 fast_cleanup=-1, verify_cleanup=-1):
        self._options = req.get_options()
        option = lambda name, default: self._options.get(   # noqa: E731
            "mod_python.file_session." + name, default)
        self._sessdir = _directory_option(
            self, "mod_python.file_session.database_directory",
            "mod_python.session.database_directory")
        self._fast_cleanup = (_flag(option("enable_fast_cleanup", "1"))
                              if fast_cleanup == -1 else bool(fast_cleanup))
        self._verify_cleanup = (_flag(option("verify_session_timeout", "1"))
                                if verify_cleanup == -1
                                else bool(verify_cleanup))
        self._grace_period = int(option("cleanup_grace_period", 240))
        self._cleanup_time_limit = float(option("cleanup_time_limit", 2))
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _path(self, sid):
        # sid is valid (hex only): it cannot leave the directory
        return os.path.join(self._sessdir, sid[:2], sid)

    def do_load(self):
        _refuse_foreign(self._req, os.path.dirname(self._path(self._sid)))
        try:
            with open(self._path(self._sid), "rb") as stored:
                return pickle.load(stored)
        except FileNotFoundError:
            return None

    def do_save(self, record):
        path = self._path(self._sid)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        _refuse_foreign(self._req, os.path.dirname(path))
        temporary = "%s.%d.%d.tmp" % (path, os.getpid(), threading.get_ident())
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                             | os.O_NOFOLLOW, 0o600)
        with open(descriptor, "wb") as stored:
            pickle.dump(record, stored)
        os.replace(temporary, path)

    def do_delete(self, sid):
        try:
            os.unlink(self._path(sid))
        except FileNotFoundError:
            pass

    def do_cleanup(self):
        # only <directory>/<first 2 digits>/<id> files, in directories that
        # are ours: anything else in the (temp) directory is not unpickled
        started = time.time()
        try:
            prefixes = os.listdir(self._sessdir)
        except OSError:
            return
        for prefix in prefixes:
            directory = os.path.join(self._sessdir, prefix)
            if len(prefix) != 2 or not valid_sid(prefix * 16) \
                    or not os.path.isdir(directory) or _foreign(directory):
                continue
            for name in os.listdir(directory):
                if time.time() - started > self._cleanup_time_limit:
                    return
                if valid_sid(name) and name.startswith(prefix):
                    self._cleanup_file(os.path.join(directory, name), started)

    def _cleanup_file(self, path, now):
        try:
            age = now - os.stat(path).st_mtime
            if self._fast_cleanup and age <= self._timeout + \
                    self._grace_period:
                return
            if self._fast_cleanup and not self._verify_cleanup:
                os.unlink(path)
                return
            with open(path, "rb") as stored:
                record = pickle.load(stored)
            if now - record["_accessed"] > \
                    record["_timeout"] + self._grace_period:
                os.unlink(path)
        except (OSError, pickle.UnpicklingError, EOFError, KeyError):
            pass


# ---------------------------------------------------------------- memory

_memory_store = {}
_memory_lock = threading.Lock()


class MemorySession(BaseSession):
    """Sessions in the memory of this process: only for servers with one
    child process (a threaded MPM with one process, or development)."""

    def do_load(self):
        with _memory_lock:
            record = _memory_store.get(self._sid)
        return None if record is None else pickle.loads(record)

    def do_save(self, record):
        with _memory_lock:
            _memory_store[self._sid] = pickle.dumps(record)

    def do_delete(self, sid):
        with _memory_lock:
            _memory_store.pop(sid, None)

    def do_cleanup(self):
        now = time.time()
        with _memory_lock:
            for sid, data in list(_memory_store.items()):
                record = pickle.loads(data)
                if now - record["_accessed"] > record["_timeout"]:
                    del _memory_store[sid]


# ----------------------------------------------------------------- Redis

_redis_clients = {}
_redis_clients_lock = threading.Lock()
# Releases the lock only if it is still ours (it may have expired).
_REDIS_UNLOCK = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                 "return redis.call('del', KEYS[1]) else return 0 end")


class RedisSession(BaseSession):
    """Sessions in Redis, for several Apache nodes.

    Options: mod_python.session.redis_url (default
    redis://127.0.0.1:6379/0), mod_python.session.redis_prefix (default
    "mpsession:"), mod_python.session.store_timeout (seconds to wait for the
    store, default 3), mod_python.session.lock_ttl (seconds after which the
    lock of a node that died is free again, default 30),
    mod_python.session.lock_wait (seconds a request waits for the lock
    before giving up with 503, default 30).  The session key expires with
    the session (Redis TTL)."""

    def __init__(self, req, sid=None, secret=None, timeout=0, lock=1):
        options = req.get_options()
        self._url = options.get(_OPTION + "redis_url",
                                "redis://127.0.0.1:6379/0")
        self._prefix = options.get(_OPTION + "redis_prefix", "mpsession:")
        self._store_timeout = float(options.get(_OPTION + "store_timeout", 3))
        self._lock_ttl = float(options.get(_OPTION + "lock_ttl", 30))
        self._lock_wait = float(options.get(_OPTION + "lock_wait", 30))
        self._lock_token = None
        self._redis = None
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _client(self):
        if self._redis is None:
            with _redis_clients_lock:
                client = _redis_clients.get(self._url)
                if client is None:
                    import redis
                    from redis.backoff import NoBackoff
                    from redis.retry import Retry
                    # a connection broken by a restart of Redis is opened
                    # again once, transparently
                    client = redis.Redis.from_url(
                        self._url, socket_timeout=self._store_timeout,
                        socket_connect_timeout=self._store_timeout,
                        retry=Retry(NoBackoff(), 1),
                        retry_on_error=[redis.ConnectionError])
                    _redis_clients[self._url] = client
            self._redis = client
        return self._redis

    def _call(self, action):
        import redis
        try:
            return action(self._client())
        except redis.RedisError as error:
            _store_unavailable(self._req, "redis " + _redact(self._url),
                               error)

    def _key(self, sid):
        return self._prefix + sid

    def do_lock(self):
        token = secrets.token_hex(16)
        key = self._key(self._sid) + ":lock"
        deadline = time.monotonic() + self._lock_wait
        delay = 0.002
        while not self._call(lambda r: r.set(
                key, token, nx=True, px=int(self._lock_ttl * 1000))):
            if time.monotonic() > deadline:
                _store_unavailable(self._req, "redis " + _redact(self._url),
                                   TimeoutError("session lock not free after "
                                                "%ss" % self._lock_wait))
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        self._lock_token = token

    def do_unlock(self):
        token, self._lock_token = self._lock_token, None
        if token is not None:
            key = self._key(self._sid) + ":lock"
            self._call(lambda r: r.eval(_REDIS_UNLOCK, 1, key, token))

    def do_load(self):
        data = self._call(lambda r: r.get(self._key(self._sid)))
        return None if data is None else pickle.loads(data)

    def do_save(self, record):
        data = pickle.dumps(record)
        self._call(lambda r: r.set(self._key(self._sid), data,
                                   ex=max(1, int(record["_timeout"]))))

    def do_delete(self, sid):
        self._call(lambda r: r.delete(self._key(sid)))

    def do_cleanup(self):
        """Nothing to do: Redis expires the sessions itself."""


def _redact(url):
    """A store URL without its password, for the log."""
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)


# ------------------------------------------------------------ PostgreSQL

class _PgPool:
    """Idle PostgreSQL connections of this process for one DSN."""

    def __init__(self, dsn, timeout, lock_wait):
        self.dsn = dsn
        self.timeout = timeout
        self.lock_wait = lock_wait
        self.idle = []
        self.lock = threading.Lock()
        self.table_ready = False

    def get(self):
        """(connection, True if it was idle in the pool)."""
        with self.lock:
            if self.idle:
                return self.idle.pop(), True
        import psycopg
        connection = psycopg.connect(
            self.dsn, autocommit=True, connect_timeout=max(1, int(
                self.timeout)), tcp_user_timeout=int(self.timeout * 1000),
            keepalives=1, keepalives_idle=5, keepalives_interval=2,
            keepalives_count=2)
        # a session lock not free within lock_wait seconds: 503
        connection.execute("SELECT set_config('lock_timeout', %s, false)",
                           ("%dms" % int(self.lock_wait * 1000),))
        return connection, False

    def discard_idle(self):
        with self.lock:
            idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()

    def put(self, connection):
        if connection.closed or connection.broken:
            return
        with self.lock:
            if len(self.idle) < 16:
                self.idle.append(connection)
                return
        connection.close()


_pg_pools = {}
_pg_pools_lock = threading.Lock()
_PG_CREATE_LOCK = 0x6d705f7365737300     # "mp_sess\0": creating the table
_PG_TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PgSession(BaseSession):
    """Sessions in PostgreSQL, for several Apache nodes.

    Options: mod_python.session.pg_dsn (a libpq connection string),
    mod_python.session.pg_table (default mod_python_sessions, created when
    missing), mod_python.session.store_timeout (seconds to connect,
    default 3), mod_python.session.lock_wait (seconds, default 30).  The
    lock is a PostgreSQL advisory lock, held on a connection for the
    request; the server drops it when that connection dies with its node.
    Expired rows are left out by load() and removed by cleanup()."""

    def __init__(self, req, sid=None, secret=None, timeout=0, lock=1):
        options = req.get_options()
        self._dsn = options.get(_OPTION + "pg_dsn", "")
        self._table = options.get(_OPTION + "pg_table", "mod_python_sessions")
        if not _PG_TABLE.match(self._table):
            raise ValueError("mod_python.session.pg_table %r is not a plain "
                             "lower-case table name" % (self._table,))
        key = (self._dsn, float(options.get(_OPTION + "store_timeout", 3)),
               float(options.get(_OPTION + "lock_wait", 30)))
        with _pg_pools_lock:
            self._pool = _pg_pools.get(key)
            if self._pool is None:
                self._pool = _pg_pools[key] = _PgPool(*key)
        self._held = None       # the connection holding the lock
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _store_name(self):
        return "postgresql (%s)" % re.sub(r"password=\S+", "password=***",
                                          _redact(self._dsn))

    def _run(self, action, keep=False):
        """action(connection) on the lock's connection or a pooled one.

        An idle pooled connection may have died with a restart of the
        server: then the idle ones are dropped and the action is tried once
        more on a new connection."""
        import psycopg
        for attempt in (1, 2):
            connection = self._held
            pooled = False
            try:
                if connection is None:
                    connection, pooled = self._pool.get()
                self._ensure_table(connection)
                result = action(connection)
                break
            except psycopg.Error as error:
                if connection is self._held:
                    self._held = None
                    self._locked = False
                if connection is not None:
                    connection.close()
                retry = (attempt == 1 and pooled
                         and isinstance(error, psycopg.OperationalError))
                if not retry:
                    _store_unavailable(self._req, self._store_name(), error)
                self._pool.discard_idle()   # they died with the same server
        if keep:
            self._held = connection
        elif connection is not self._held:
            self._pool.put(connection)
        return result

    def _ensure_table(self, connection):
        if self._pool.table_ready:
            return
        # IF NOT EXISTS is not safe against a concurrent CREATE: the nodes
        # starting together take turns on an advisory lock
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)",
                               (_PG_CREATE_LOCK,))
            connection.execute(
                "CREATE TABLE IF NOT EXISTS %s (sid text PRIMARY KEY, "
                "data bytea NOT NULL, expires timestamptz NOT NULL)"
                % self._table)
            connection.execute("CREATE INDEX IF NOT EXISTS %s_expires ON %s "
                               "(expires)" % (self._table, self._table))
        self._pool.table_ready = True

    def _lock_key(self):
        return int(self._sid[:16], 16) - (1 << 63)

    def do_lock(self):
        key = self._lock_key()
        self._run(lambda c: c.execute("SELECT pg_advisory_lock(%s)", (key,)),
                  keep=True)

    def do_unlock(self):
        connection, self._held = self._held, None
        if connection is None:
            return
        try:
            connection.execute("SELECT pg_advisory_unlock(%s)",
                               (self._lock_key(),))
            self._pool.put(connection)
        except Exception:   # noqa: BLE001 - the server drops it with the
            connection.close()    # connection

    def do_load(self):
        row = self._run(lambda c: c.execute(
            "SELECT data FROM %s WHERE sid = %%s AND expires > now()"
            % self._table, (self._sid,)).fetchone())
        return None if row is None else pickle.loads(row[0])

    def do_save(self, record):
        data = pickle.dumps(record)
        self._run(lambda c: c.execute(
            "INSERT INTO %s (sid, data, expires) VALUES "
            "(%%s, %%s, now() + %%s * interval '1 second') "
            "ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, "
            "expires = EXCLUDED.expires" % self._table,
            (self._sid, data, int(record["_timeout"]))))

    def do_delete(self, sid):
        self._run(lambda c: c.execute(
            "DELETE FROM %s WHERE sid = %%s" % self._table, (sid,)))

    def do_cleanup(self):
        self._run(lambda c: c.execute(
            "DELETE FROM %s WHERE expires <= now()" % self._table))


# --------------------------------------------------------------- Session()

_SESSION_TYPES = {"DbmSession": DbmSession, "FileSession": FileSession,
                  "MemorySession": MemorySession,
                  "RedisSession": RedisSession, "PgSession": PgSession}


def Session(req, sid=None, secret=None, timeout=0, lock=1):
    """A session of the class PythonOption mod_python.session.session_type
    names; without it, as in 3.5, MemorySession on a threaded server with
    one process and DbmSession otherwise."""
    name = req.get_options().get(_OPTION + "session_type")
    if name:
        try:
            cls = _SESSION_TYPES[name]
        except KeyError:
            raise ValueError("unknown mod_python.session.session_type %r "
                             "(one of %s)" % (name, ", ".join(
                                 sorted(_SESSION_TYPES)))) from None
    elif (apache.mpm_query(apache.AP_MPMQ_IS_THREADED)
          and not apache.mpm_query(apache.AP_MPMQ_IS_FORKED)):
        cls = MemorySession
    else:
        cls = DbmSession
    return cls(req, sid=sid, secret=secret, timeout=timeout, lock=lock)
