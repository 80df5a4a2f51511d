"""Pages of test_cookie.py, test_session.py and test_session_cluster.py.

The last segment of the URI names the page (page_<name>); the query string
gives its arguments."""

import json
import os
import time
import urllib.parse

import _apache
from mod_python import apache, Cookie, Session


def handler(req):
    name = req.uri.rsplit("/", 1)[-1]
    page = globals().get("page_" + name)
    if page is None:
        return apache.HTTP_NOT_FOUND
    req.content_type = "text/plain"
    args = {key: values[0] for key, values in
            urllib.parse.parse_qs(req.args or "").items()}
    result = page(req, args)
    if result is not None:
        req.write(result if isinstance(result, str) else json.dumps(result))
    return apache.OK


# ---------------------------------------------------------------- cookies

def page_echo(req, args):
    """3.5's Cookie_Cookie: every cookie read is sent back."""
    for cookie in Cookie.get_cookies(req).values():
        Cookie.add_cookie(req, cookie)
    return "test ok"


def page_names(req, args):
    return {name: cookie.value
            for name, cookie in Cookie.get_cookies(req).items()}


def page_one(req, args):
    cookie = Cookie.get_cookie(req, args["name"])
    return "none" if cookie is None else cookie.value


def page_make(req, args):
    attributes = json.loads(args.get("attributes", "{}"))
    Cookie.add_cookie(req, args.get("name", "c"), args.get("value", "v"),
                      **attributes)
    return "made"


def page_signed_make(req, args):
    Cookie.add_cookie(req, Cookie.SignedCookie(args["name"], args["value"],
                                               secret="s3cret"))
    return "made"


MISMATCH = {"downgrade": Cookie.Cookie.DOWNGRADE,
            "ignore": Cookie.Cookie.IGNORE,
            "exception": Cookie.Cookie.EXCEPTION}


def page_signed_read(req, args):
    try:
        cookies = Cookie.get_cookies(
            req, Cookie.SignedCookie, secret="s3cret",
            mismatch=MISMATCH[args.get("mismatch", "downgrade")])
    except Cookie.CookieError as error:
        return "CookieError: %s" % error
    return {name: [type(c).__name__, c.value] for name, c in cookies.items()}


def page_marshal_make(req, args):
    value = json.loads(args["value"])
    Cookie.add_cookie(req, Cookie.MarshalCookie("m", value, secret="s3cret"))
    return "made"


def page_marshal_read(req, args):
    cookies = Cookie.get_cookies(req, Cookie.MarshalCookie, secret="s3cret",
                                 mismatch=Cookie.Cookie.IGNORE)
    return {name: [type(c).__name__, repr(c.value)]
            for name, c in cookies.items()}


def page_by_hand(req, args):
    """Cookies read as plain ones, checked with unsign() / unmarshal()."""
    results = {}
    for name, plain in Cookie.get_cookies(req).items():
        try:
            if name == "m":
                cookie = Cookie.MarshalCookie(name, plain.value)
                cookie.unmarshal("s3cret")
                results[name] = ["unmarshalled", repr(cookie.value)]
            else:
                cookie = Cookie.SignedCookie(name, plain.value)
                cookie.unsign("s3cret")
                results[name] = ["unsigned", cookie.value]
        except Cookie.CookieError:
            results[name] = ["CookieError"]
    return results


def page_marshal_echo(req, args):
    """3.5's Cookie_MarshalCookie page."""
    cookies = Cookie.get_cookies(req, Cookie.MarshalCookie, secret="secret")
    for cookie in cookies.values():
        Cookie.add_cookie(req, cookie)
    return "test ok"


# ------------------------------------------------------------ global locks

def page_hold(req, args):
    """Hold global lock `key` for `ms` milliseconds; report when."""
    key = args.get("key", "k")
    _apache._global_lock(req.server, key)
    started = time.time()
    if "pidfile" in args:
        with open(args["pidfile"], "w") as pidfile:
            pidfile.write(str(os.getpid()))
    time.sleep(int(args.get("ms", 500)) / 1000)
    ended = time.time()
    _apache._global_unlock(req.server, key)
    return {"start": started, "end": ended, "pid": os.getpid()}


def page_hold_index(req, args):
    """3.5's global_lock page: lock number 1 for a second."""
    index = int(args.get("index", 1))
    _apache._global_lock(req.server, None, index)
    time.sleep(float(args.get("seconds", 1)))
    _apache._global_unlock(req.server, None, index)
    return "test ok"


def page_try(req, args):
    got = _apache._global_trylock(req.server, args.get("key", "k"))
    if got:
        _apache._global_unlock(req.server, args.get("key", "k"))
    return {"got": got}


def page_leak(req, args):
    """Take a lock and die with an exception while holding it."""
    apache._global_lock(req.server, args.get("key", "k"))
    raise RuntimeError("dying while holding a global lock")


def page_count(req, args):
    return {"count": _apache._global_mutex_count()}


def page_misuse(req, args):
    results = {}
    for what, call in (
            ("unlock_not_held",
             lambda: _apache._global_unlock(req.server, "never")),
            ("index_out_of_range",
             lambda: _apache._global_lock(req.server, None, 100000)),
            ("not_a_server", lambda: _apache._global_lock(None, "k"))):
        try:
            call()
            results[what] = "no error"
        except Exception as error:   # noqa: BLE001
            results[what] = type(error).__name__
    _apache._global_lock(req.server, "twice")
    try:
        _apache._global_lock(req.server, "twice")
        results["twice"] = "no error"
    except RuntimeError:
        results["twice"] = "RuntimeError"
    _apache._global_unlock(req.server, "twice")
    return results


# ---------------------------------------------------------------- sessions

def _session(req, args):
    return Session.Session(req, lock=int(args.get("lock", 1)),
                           timeout=int(args.get("timeout", 0)),
                           secret=args.get("secret"))


def page_session_3_5(req, args):
    """3.5's Session_Session page."""
    session = Session.Session(req)
    if session.is_new():
        session.save()
    cookies = Cookie.get_cookies(req)
    if Session.COOKIE_NAME in cookies and session.is_new():
        return str(cookies[Session.COOKIE_NAME])
    return "test ok"


def page_counter(req, args):
    """Read the counter, wait `ms`, write it back plus one."""
    session = _session(req, args)
    count = session.get("count", 0)
    if "ms" in args:
        time.sleep(int(args["ms"]) / 1000)
    session["count"] = count + 1
    session.save()
    return {"count": count + 1, "id": session.id(), "new": session.is_new(),
            "type": type(session).__name__, "pid": os.getpid(),
            "node": req.get_options().get("node")}


def page_unlock_early(req, args):
    """Load the session, unlock() it, then work for `ms` milliseconds."""
    session = _session(req, args)
    session.unlock()
    started = time.time()
    time.sleep(int(args.get("ms", 600)) / 1000)
    return {"start": started, "end": time.time()}


def page_info(req, args):
    session = _session(req, args)
    if "save" in args:
        session.save()
    return {"id": session.id(), "new": session.is_new(),
            "type": type(session).__name__, "timeout": session.timeout(),
            "created": session.created(),
            "accessed": session.last_accessed(), "data": dict(session)}


def page_forced(req, args):
    """Session(req, sid=...): the id must be one of ours."""
    try:
        session = Session.Session(req, sid=args["sid"])
    except ValueError as error:
        return {"error": str(error)}
    return {"id": session.id(), "new": session.is_new()}


def page_set(req, args):
    session = _session(req, args)
    session[args["key"]] = args["value"]
    if "session_timeout" in args:
        session.set_timeout(int(args["session_timeout"]))
    session.save()
    return {"id": session.id(), "new": session.is_new()}


def page_login(req, args):
    """After a login: a new id, the same data (session fixation)."""
    session = _session(req, args)
    old = session.id()
    session["user"] = args.get("user", "alice")
    new = session.regenerate_id()
    session.save()
    return {"old": old, "new": new}


def page_invalidate(req, args):
    session = _session(req, args)
    session.invalidate()
    return {"id": session.id()}


def page_cleanup(req, args):
    session = _session(req, args)
    session.cleanup()
    return {"id": session.id()}


def page_peek(req, args):
    """Whether the store still holds session `sid` (expired or not)."""
    session = _session(req, {"lock": 0})
    session._sid = args["sid"]
    return {"stored": session.do_load() is not None}
