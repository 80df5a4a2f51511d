# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.apache: the interface to Apache, and the handler dispatcher.

Handlers import this module for the status codes and helpers::

    from mod_python import apache

    def handler(req):
        req.content_type = "text/plain"
        req.write("Hello World!")
        return apache.OK

The C module calls ``_dispatch`` once per handler: it resolves
``module[::object]``, imports the module (reloading it when it changed on
disk), calls the object with the request, and turns the result, a
``SERVER_RETURN`` or an uncaught exception into the int status Apache
expects.
"""

import importlib
import os
import sys

import _apache
from mod_python import logbridge
from _apache import (table, make_table, log_error, server_root, mpm_query,
                     exists_config_define, mpm_name, config_tree, stat)
from _apache import _global_lock, _global_trylock, _global_unlock  # noqa: F401

__all__ = ["SERVER_RETURN", "import_module", "log_error", "table",
           "make_table", "server_root", "mpm_query", "exists_config_define",
           "allow_methods", "stat", "config_tree"]

version = _apache.version

# ------------------------------------------------------------ constants

OK = REQ_PROCEED = 0
DECLINED = REQ_NOACTION = -1
DONE = -2
SUSPENDED = -3
REQ_ABORTED = HTTP_INTERNAL_SERVER_ERROR = 500
REQ_EXIT = "REQ_EXIT"

HTTP_CONTINUE = 100
HTTP_SWITCHING_PROTOCOLS = 101
HTTP_PROCESSING = 102
HTTP_OK = 200
HTTP_CREATED = 201
HTTP_ACCEPTED = 202
HTTP_NON_AUTHORITATIVE = 203
HTTP_NO_CONTENT = 204
HTTP_RESET_CONTENT = 205
HTTP_PARTIAL_CONTENT = 206
HTTP_MULTI_STATUS = 207
HTTP_MULTIPLE_CHOICES = 300
HTTP_MOVED_PERMANENTLY = 301
HTTP_MOVED_TEMPORARILY = 302
HTTP_SEE_OTHER = 303
HTTP_NOT_MODIFIED = 304
HTTP_USE_PROXY = 305
HTTP_TEMPORARY_REDIRECT = 307
HTTP_PERMANENT_REDIRECT = 308
HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401
HTTP_PAYMENT_REQUIRED = 402
HTTP_FORBIDDEN = 403
HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
HTTP_NOT_ACCEPTABLE = 406
HTTP_PROXY_AUTHENTICATION_REQUIRED = 407
HTTP_REQUEST_TIME_OUT = 408
HTTP_CONFLICT = 409
HTTP_GONE = 410
HTTP_LENGTH_REQUIRED = 411
HTTP_PRECONDITION_FAILED = 412
HTTP_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_REQUEST_URI_TOO_LARGE = 414
HTTP_UNSUPPORTED_MEDIA_TYPE = 415
HTTP_RANGE_NOT_SATISFIABLE = 416
HTTP_EXPECTATION_FAILED = 417
HTTP_UNPROCESSABLE_ENTITY = 422
HTTP_LOCKED = 423
HTTP_FAILED_DEPENDENCY = 424
HTTP_UPGRADE_REQUIRED = 426
HTTP_INTERNAL_SERVER_ERROR = 500
HTTP_NOT_IMPLEMENTED = 501
HTTP_BAD_GATEWAY = 502
HTTP_SERVICE_UNAVAILABLE = 503
HTTP_GATEWAY_TIME_OUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505
HTTP_VARIANT_ALSO_VARIES = 506
HTTP_INSUFFICIENT_STORAGE = 507
HTTP_NOT_EXTENDED = 510

# log levels (httpd's APLOG_*)
APLOG_EMERG = 0
APLOG_ALERT = 1
APLOG_CRIT = 2
APLOG_ERR = 3
APLOG_WARNING = 4
APLOG_NOTICE = 5
APLOG_INFO = 6
APLOG_DEBUG = 7
APLOG_NOERRNO = 0  # httpd 2.4 never appends errno for these calls

# method numbers (httpd's M_*)
(M_GET, M_PUT, M_POST, M_DELETE, M_CONNECT, M_OPTIONS, M_TRACE, M_PATCH,
 M_PROPFIND, M_PROPPATCH, M_MKCOL, M_COPY, M_MOVE, M_LOCK, M_UNLOCK,
 M_VERSION_CONTROL, M_CHECKOUT, M_UNCHECKOUT, M_CHECKIN, M_UPDATE, M_LABEL,
 M_REPORT, M_MKWORKSPACE, M_MKACTIVITY, M_BASELINE_CONTROL, M_MERGE,
 M_INVALID) = range(27)
METHODS = 64

# req.get_remote_host() types
REMOTE_HOST = 0
REMOTE_NAME = 1
REMOTE_NOLOOKUP = 2
REMOTE_DOUBLE_REV = 3

# req.proxyreq
PROXYREQ_NONE = 0
PROXYREQ_PROXY = 1
PROXYREQ_REVERSE = 2
PROXYREQ_RESPONSE = 3

# indexes into req.finfo
(FINFO_MODE, FINFO_INO, FINFO_DEV, FINFO_NLINK, FINFO_UID, FINFO_GID,
 FINFO_SIZE, FINFO_ATIME, FINFO_MTIME, FINFO_CTIME, FINFO_FNAME,
 FINFO_NAME, FINFO_FILETYPE) = range(13)

# file types (req.finfo.filetype), apache.stat() wanted bits, and
# req.used_path_info values, from the C headers
from _apache import (  # noqa: E402
    APR_NOFILE, APR_REG, APR_DIR, APR_CHR, APR_BLK, APR_PIPE, APR_LNK,
    APR_SOCK, APR_UNKFILE, APR_FINFO_LINK, APR_FINFO_MTIME, APR_FINFO_CTIME,
    APR_FINFO_ATIME, APR_FINFO_SIZE, APR_FINFO_CSIZE, APR_FINFO_DEV,
    APR_FINFO_INODE, APR_FINFO_NLINK, APR_FINFO_TYPE, APR_FINFO_USER,
    APR_FINFO_GROUP, APR_FINFO_UPROT, APR_FINFO_GPROT, APR_FINFO_WPROT,
    APR_FINFO_ICASE, APR_FINFO_NAME, APR_FINFO_MIN, APR_FINFO_IDENT,
    APR_FINFO_OWNER, APR_FINFO_PROT, APR_FINFO_NORM, APR_FINFO_DIRENT,
    AP_REQ_ACCEPT_PATH_INFO, AP_REQ_REJECT_PATH_INFO,
    AP_REQ_DEFAULT_PATH_INFO)

# indexes into req.parsed_uri
(URI_SCHEME, URI_HOSTINFO, URI_USER, URI_PASSWORD, URI_HOSTNAME, URI_PORT,
 URI_PATH, URI_QUERY, URI_FRAGMENT) = range(9)

# ap_mpm_query() codes
AP_MPMQ_NOT_SUPPORTED = 0
AP_MPMQ_STATIC = 1
AP_MPMQ_DYNAMIC = 2
AP_MPMQ_MAX_DAEMON_USED = 1
AP_MPMQ_IS_THREADED = 2
AP_MPMQ_IS_FORKED = 3
AP_MPMQ_HARD_LIMIT_DAEMONS = 4
AP_MPMQ_HARD_LIMIT_THREADS = 5
AP_MPMQ_MAX_THREADS = 6
AP_MPMQ_MIN_SPARE_DAEMONS = 7
AP_MPMQ_MIN_SPARE_THREADS = 8
AP_MPMQ_MAX_SPARE_DAEMONS = 9
AP_MPMQ_MAX_SPARE_THREADS = 10
AP_MPMQ_MAX_REQUESTS_DAEMON = 11
AP_MPMQ_MAX_DAEMONS = 12
AP_MPMQ_MPM_STATE = 13
AP_MPMQ_IS_ASYNC = 14
AP_MPMQ_GENERATION = 15
AP_MPMQ_HAS_SERF = 16
# values of mpm_query(AP_MPMQ_MPM_STATE)
AP_MPMQ_STARTING = 0
AP_MPMQ_RUNNING = 1
AP_MPMQ_STOPPING = 2


class SERVER_RETURN(Exception):
    """Raise to end a handler with a status.

    ``raise SERVER_RETURN(apache.HTTP_FORBIDDEN)`` returns that status;
    ``raise SERVER_RETURN(apache.OK, 201)`` (or with the pair as one tuple)
    ends the handler with OK and sets ``req.status`` to 201.
    """


# ----------------------------------------------------- module importing

_mtimes = {}       # module name -> st_mtime_ns of its file when loaded


def _file_mtime(module):
    path = getattr(module, "__file__", None)
    if not path:
        return None
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _reload(module):
    """Re-execute module from its source, ignoring any stale bytecode."""
    path = getattr(module, "__file__", None)
    if path and path.endswith(".py"):
        import importlib.util   # only here: keeps interpreters small
        try:
            os.unlink(importlib.util.cache_from_source(path))
        except (OSError, NotImplementedError, ValueError):
            pass
    importlib.invalidate_caches()
    return importlib.reload(module)


def _initializing(module):
    spec = getattr(module, "__spec__", None)
    return getattr(spec, "_initializing", False)


def import_module(module_name, autoreload=1, log=0, path=None):
    """Import module_name, reloading it when its file changed on disk.

    path: a list of directories searched first (the module is looked up
    there even if a module of that name was imported from elsewhere).
    """
    module = sys.modules.get(module_name)
    if _initializing(module):
        # another thread is executing it: importlib waits until it is done
        module = importlib.import_module(module_name)
    if module is not None and path:
        found = getattr(module, "__file__", None)
        if not found or os.path.dirname(found) not in path:
            module = None
            del sys.modules[module_name]
    if module is None:
        if path:
            for directory in reversed(path):
                if directory not in sys.path:
                    sys.path.insert(0, directory)
        importlib.invalidate_caches()
        module = importlib.import_module(module_name)
        _mtimes[module_name] = _file_mtime(module)
        if log:
            log_error("mod_python: imported %s" % module_name, APLOG_NOTICE)
        return module
    if autoreload:
        mtime = _file_mtime(module)
        if module_name not in _mtimes:
            # imported by other means (or by another thread just now)
            _mtimes[module_name] = mtime
        elif mtime is not None and mtime != _mtimes[module_name]:
            module = _reload(module)
            _mtimes[module_name] = _file_mtime(module)
            if log:
                log_error("mod_python: reloaded %s" % module_name,
                          APLOG_NOTICE)
    return module


# ----------------------------------------------------------- dispatching

_FLAG_DEBUG = 1
_FLAG_AUTORELOAD = 2
_FLAG_SILENT = 4
_FLAG_PDB = 8
_SKIPPED = -100          # a PythonHandlerModule module lacks this phase

_evaluated_python_paths = set()


def _set_python_path(text):
    """PythonPath: evaluate each distinct expression once per interpreter.

    The value replaces sys.path.  Evaluating a text only the first time it
    is met keeps the usual "sys.path+['/dir']" from growing sys.path on
    every request when several PythonPath settings share an interpreter.
    """
    if text in _evaluated_python_paths:
        return
    try:
        value = eval(text, {"sys": sys, "os": os})
    except Exception as exc:
        raise ValueError("PythonPath %r is not a valid expression: %s: %s"
                         % (text, type(exc).__name__, exc)) from exc
    if not isinstance(value, (list, tuple)):
        raise TypeError("PythonPath %r gave %s, not a list"
                        % (text, type(value).__name__))
    sys.path[:] = list(value)
    _evaluated_python_paths.add(text)


def _default_object(phase):
    return phase[len("Python"):].lower()


def _resolve(req, module, object_path, names, silent):
    """Walk names (object_path split on dots) from module; instantiate
    classes met on the way."""
    obj = module
    for name in names:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            if silent:
                return None
            raise AttributeError("module %r has no handler %r (looked up %r)"
                                 % (module.__name__, object_path, name))
        if isinstance(obj, type):
            obj = obj(req)
    return obj


_parsed = {}        # (handler, phase) -> (module, object path, its names)


def _parse_handler(handler, phase):
    """Split "module::object.path" once per distinct handler and phase."""
    key = (handler, phase)
    parsed = _parsed.get(key)
    if parsed is None:
        module_name, _, object_path = handler.partition("::")
        if not object_path:
            object_path = _default_object(phase)
        parsed = (module_name, object_path, tuple(object_path.split(".")))
        if len(_parsed) >= 1024:    # req.add_handler() names are the app's
            _parsed.clear()
        _parsed[key] = parsed
    return parsed


def _status_from_pair(req, value):
    result, status = value
    if result not in (OK, DONE) or type(status) is not int:
        raise TypeError("status pair must be (apache.OK or apache.DONE, "
                        "int), not %r" % (value,))
    req.status = status
    return result


def _status(req, handler, result):
    if type(result) is int:
        return result
    if isinstance(result, tuple) and len(result) == 2:
        return _status_from_pair(req, result)
    raise TypeError("handler %r returned %r; a handler must return an int "
                    "status such as apache.OK" % (handler, result))


def _status_from_server_return(req, exc):
    args = exc.args
    if len(args) == 1 and isinstance(args[0], tuple):
        args = args[0]
    if len(args) == 1 and type(args[0]) is int:
        return args[0]
    if len(args) == 2:
        return _status_from_pair(req, args)
    raise TypeError("SERVER_RETURN needs a status, or (apache.OK or "
                    "apache.DONE, status), not %r" % (exc.args,))


_SKIP = object()          # returned by _call_handler for an absent silent one


def _call_handler(target, phase, handler, directory, flags, python_path):
    """Resolve handler and call it with target (req, filter or conn)."""
    if python_path is not None:
        _set_python_path(python_path)
    if directory is not None and directory not in sys.path:
        sys.path.insert(0, directory)
    module_name, object_path, names = _parse_handler(handler, phase)
    module = import_module(module_name, flags & _FLAG_AUTORELOAD)
    obj = _resolve(target, module, object_path, names, flags & _FLAG_SILENT)
    if obj is None:
        return _SKIP
    if flags & _FLAG_PDB:
        import pdb
        return pdb.runcall(obj, target)
    return obj(target)


@logbridge.bridged
def _dispatch(req, phase, handler, directory, flags, python_path):
    """Run one request-phase handler for the C module; returns a status."""
    try:
        result = _call_handler(req, phase, handler, directory, flags,
                               python_path)
        if result is _SKIP:
            return _SKIPPED
        return _status(req, handler, result)
    except SERVER_RETURN as exc:
        try:
            return _status_from_server_return(req, exc)
        except Exception:
            return _report_error(req, phase, handler, flags & _FLAG_DEBUG)
    except BaseException:
        return _report_error(req, phase, handler, flags & _FLAG_DEBUG)


@logbridge.bridged
def _dispatch_filter(filter, phase, handler, directory, flags, python_path):
    """Run a filter handler; its result is ignored.  Returns OK, or 500
    after logging an exception (the C side then disables the filter, or
    cuts the response if the filter had taken data: Doc/filters.rst)."""
    try:
        _call_handler(filter, phase, handler, directory, flags, python_path)
        return OK
    except BaseException:
        _log_exception(filter, "exception in %s %s (filter %s)"
                       % (phase, handler, filter.name))
        return HTTP_INTERNAL_SERVER_ERROR


@logbridge.bridged
def _dispatch_connection(conn, phase, handler, directory, flags, python_path):
    """Run a connection handler; returns its status."""
    try:
        result = _call_handler(conn, phase, handler, directory, flags,
                               python_path)
        if result is None:
            return OK
        return _status(conn, handler, result)
    except SERVER_RETURN as exc:
        args = exc.args[0] if len(exc.args) == 1 else exc.args
        return args if type(args) is int else OK
    except BaseException:
        _log_exception(conn, "exception in %s %s" % (phase, handler))
        return HTTP_INTERNAL_SERVER_ERROR


def _log_exception(target, header):
    """Log header and the current traceback, line by line, via target."""
    import traceback        # only on errors: keeps interpreters small
    text = traceback.format_exc()
    log = getattr(target, "log_error", None) or log_error
    log("mod_python: %s (pid %d):" % (header, os.getpid()), APLOG_ERR)
    for line in text.rstrip("\n").split("\n"):
        log("mod_python:   %s" % line, APLOG_ERR)
    return text


def _report_error(req, phase, handler, debug):
    """Log the current exception; with PythonDebug also send it."""
    text = _log_exception(req, "exception in %s %s (interpreter %r)"
                          % (phase, handler, req.interpreter))
    if not debug or phase in ("PythonLogHandler", "PythonCleanupHandler"):
        return HTTP_INTERNAL_SERVER_ERROR
    try:
        if req.bytes_sent == 0:
            req.status = HTTP_INTERNAL_SERVER_ERROR
            req.content_type = "text/plain; charset=utf-8"
            req.headers_out["X-Content-Type-Options"] = "nosniff"
        req.write("\nMod_python error: %s %s\n\n%s" % (phase, handler, text))
    except Exception:
        return HTTP_INTERNAL_SERVER_ERROR
    return DONE


@logbridge.bridged
def _run_cleanups(req):
    """Run the callables given to req.register_cleanup(), first to last."""
    for callable_, data in req._take_cleanups():
        try:
            callable_(data)
        except BaseException:
            _log_exception(req, "exception in cleanup %r" % (callable_,))


def _python_import(module_name):
    """PythonImport: import a module at child start."""
    import_module(module_name, autoreload=0)


_exit_callbacks = []


def _child_exit():
    """The child process is exiting: run the registered callbacks."""
    while _exit_callbacks:
        callable_, data = _exit_callbacks.pop(0)
        try:
            callable_(data)
        except BaseException:
            _log_exception(None, "exception in exit callback %r" % (callable_,))


# ------------------------------------------------------------- helpers

_METHOD_NAMES = ("GET", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS",
                 "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY",
                 "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL", "CHECKOUT",
                 "UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "REPORT",
                 "MKWORKSPACE", "MKACTIVITY", "BASELINE-CONTROL", "MERGE")


def allow_methods(req, *methods):
    """Add methods to the Allow header of req: apache.M_* numbers or
    method names (see req.allow_methods, which takes names)."""
    names = []
    for method in methods:
        if isinstance(method, int):
            if not 0 <= method < len(_METHOD_NAMES):
                raise ValueError("allow_methods: %r is not an apache.M_* "
                                 "method number" % (method,))
            method = _METHOD_NAMES[method]
        names.append(method)
    req.allow_methods(names)


# Python's logging, warnings and sys.stderr go to the Apache error log of
# the request being handled (see logbridge.py): once per interpreter.
logbridge.install(sys.modules[__name__])


def _mark_specs_initialized():
    """Give the specs of the modules loaded at start-up (os, sys ...) the
    _initializing = False that importlib sets on the ones it loads.
    CPython 3.11 looks the attribute up on every `import name` of a loaded
    module, and raises (and formats) an AttributeError when it is missing:
    ~0.5 us for each `import os` a handler or CGI script runs."""
    for module in list(sys.modules.values()):
        try:
            spec = getattr(module, "__spec__", None)
            if spec is not None and not hasattr(spec, "_initializing"):
                spec._initializing = False
        except Exception:       # an odd module or spec: leave it alone
            pass


_mark_specs_initialized()
