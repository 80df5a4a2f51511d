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

import _thread
import importlib
import os
import sys
import types

import _apache
from mod_python import logbridge
from _apache import (table, make_table, log_error, server_root, mpm_query,
                     exists_config_define, mpm_name, config_tree, stat,
                     MODULE_MAGIC_NUMBER_MAJOR, MODULE_MAGIC_NUMBER_MINOR)
from _apache import _global_lock, _global_trylock, _global_unlock  # noqa: F401

__all__ = ["SERVER_RETURN", "import_module", "log_error", "table",
           "make_table", "server_root", "mpm_query", "exists_config_define",
           "allow_methods", "stat", "config_tree", "register_cleanup"]

version = _apache.version
main_server = getattr(_apache, "main_server", None)
interpreter = None      # set by mod_python when it sets up the interpreter

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
#
# Two kinds of modules (Doc/api-reference.rst, import_module):
# - library modules (dotted names, packages, the standard library,
#   site-packages, anything found on sys.path) live in sys.modules under
#   their own names and are reloaded in place when their file changes;
# - handler modules: a plain name that a Python*Handler directive gives and
#   whose NAME.py lives in the directive's directory (or that
#   import_module(..., path=[...]) finds in one of path's directories) are
#   keyed by their file path, like the publisher's pages, so two
#   directories may each have an index.py or a handlers.py in one
#   interpreter.  Each is executed as a fresh module named "_mp_" + a hash
#   of its path (registered in sys.modules under that name, for pickle and
#   tracebacks), and executed afresh when its file changes.

_mtimes = {}       # library module name -> st_mtime_ns of its file when loaded
_file_modules = {}  # handler module file -> (module, st_mtime_ns)
_import_lock = _thread.RLock()   # one (re)load of a handler file at a time


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


def _log_import(what, name):
    log_error("mod_python.apache: %s %s" % (what, name), APLOG_NOTICE)


# The modules of this package (mod_python.publisher, .wsgi, ...) change
# only with an upgrade of mod_python, which needs a restart (mod_python.so
# with them): PythonAutoReload does not watch them, which saves a stat(2)
# of publisher.py or wsgi.py on every request.
_OWN_PACKAGE = __name__.rpartition(".")[0] + "."


def _import_library(module_name, autoreload, log):
    """A module by its name through sys.modules, reloaded in place when
    its file changed (see the comment above)."""
    module = sys.modules.get(module_name)
    if _initializing(module):
        # another thread is executing it: importlib waits until it is done
        module = importlib.import_module(module_name)
    if module is None:
        module = importlib.import_module(module_name)
        _mtimes[module_name] = _file_mtime(module)
        _loaded()
        if log:
            _log_import("MP01001: imported", module_name)
        return module
    if autoreload and not module_name.startswith(_OWN_PACKAGE):
        mtime = _file_mtime(module)
        if module_name not in _mtimes:
            # imported by other means (or by another thread just now)
            _mtimes[module_name] = mtime
        elif mtime is not None and mtime != _mtimes[module_name]:
            module = _reload(module)
            _mtimes[module_name] = _file_mtime(module)
            _loaded()
            if log:
                _log_import("MP01002: reloaded", module_name)
    return module


def _file_module_name(path, prefix):
    try:
        from _sha1 import sha1      # built in: no OpenSSL in every child
    except ImportError:
        from hashlib import sha1
    digest = sha1(path.encode("utf-8", "surrogateescape")).hexdigest()
    return prefix + digest[:16]


# private module name -> the file's plain name ("handlers" for
# .../handlers.py): what a traceback shows instead of the hash, e.g.
# "handlers.MarkerError: boom" (the frames above it name the file).
_plain_names = {}


def _exec_file_module(path, source=None, prefix="_mp_"):
    """Execute the file path as a fresh module named prefix + a hash of
    path; returns it.  source: the file's bytes when the caller has read
    them (the publisher keeps a page's text).  Compiled from the source
    each time: no bytecode that could be older than the file."""
    name = _file_module_name(path, prefix)
    _plain_names[name] = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(name)
    module.__file__ = path
    module.__builtins__ = __builtins__
    if source is None:
        with open(path, "rb") as source_file:
            source = source_file.read()
    code = compile(source, path, "exec", dont_inherit=True)
    previous = sys.modules.get(name)
    sys.modules[name] = module      # as importlib does, while it executes
    try:
        exec(code, vars(module))
    except BaseException:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        raise
    return module


def _import_file(path, autoreload, log, module_name):
    """The handler module in the file path, executed on first use and
    again when its modification time changed (with autoreload)."""
    entry = _file_modules.get(path)
    if entry is not None and not autoreload:
        return entry[0]      # no stat: it releases the GIL, costly under load
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        if entry is not None:
            return entry[0]  # removed while loaded: keep serving what ran
        raise
    if entry is not None and entry[1] == mtime:
        return entry[0]
    with _import_lock:       # one execution per change; others wait for it
        entry = _file_modules.get(path)
        if entry is None:
            entry = _adopt(path, module_name, mtime)
        if entry is not None and (entry[1] == mtime or not autoreload):
            return entry[0]
        module = _exec_file_module(path)
        _file_modules[path] = (module, mtime)
        _loaded()
        _file_names.setdefault(module_name, set()).add(path)
        if entry is not None:
            _move_aliases(path, entry[0], module)
    if log:
        _log_import("MP01002: reloaded" if entry else "MP01001: imported",
                    "%s from %s" % (module_name, path))
    return module


# One module per file: `import NAME` (from a filter module, a helper, a
# PythonImport) of a file that is loaded as a handler module gets that
# module, and a handler module whose file was imported by name first is
# that module.  Two files of one name stay two modules.

_file_names = {}   # plain name -> handler module files of that name
_aliases = {}      # handler module file -> names it has in sys.modules


def _adopt(path, module_name, mtime):
    """(module, mtime) of module_name imported by name from path, which
    becomes the handler module of path; else None."""
    module = sys.modules.get(module_name)
    found = getattr(module, "__file__", None)
    if not found or os.path.normpath(found) != path:
        return None
    recorded = _mtimes.get(module_name)
    entry = (module, mtime if recorded is None else recorded)
    _file_modules[path] = entry
    _loaded()
    _file_names.setdefault(module_name, set()).add(path)
    _aliases.setdefault(path, set()).add(module_name)
    return entry


def _move_aliases(path, old, new):
    """After a reload, the names of path's module lead to the new one."""
    for name in _aliases.get(path, ()):
        if sys.modules.get(name) is old:
            sys.modules[name] = new


class _LoadedModule:
    """Loader handing importlib a module that is already executed."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class _HandlerModuleFinder:
    """On sys.meta_path: `import NAME` that would find a file loaded as a
    handler module gets that module.  Consulted only for names not in
    sys.modules that a handler module has, so it costs nothing per
    request."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if path is not None or name not in _file_names:
            return None
        import importlib.machinery
        import importlib.util
        spec = importlib.machinery.PathFinder.find_spec(name)
        origin = getattr(spec, "origin", None)
        if not origin:
            return None
        origin = os.path.normpath(origin)
        entry = _file_modules.get(origin)
        if entry is None:
            return None
        _aliases.setdefault(origin, set()).add(name)
        return importlib.util.spec_from_loader(
            name, _LoadedModule(entry[0]), origin=origin)

    @staticmethod
    def invalidate_caches():
        pass


sys.meta_path.insert(0, _HandlerModuleFinder)


def _module_file(directory, name):
    """directory/name.py if that is a regular file, else ""."""
    path = os.path.normpath(os.path.join(directory, name + ".py"))
    return path if os.path.isfile(path) else ""


def import_module(module_name, autoreload=1, log=0, path=None):
    """Import module_name and return it, executing it again when its file
    changed on disk (with autoreload); log: log imports and reloads.

    path: a list of directories.  A plain name (no dots) whose NAME.py is
    in one of them is loaded from there, keyed by that file (not by its
    name, so NAME.py of another directory is another module).  Any other
    name is a library module: imported through sys.path and sys.modules,
    with path's directories searched first.
    """
    if path:
        if "." not in module_name:
            for directory in path:
                found = _module_file(directory, module_name)
                if found:
                    return _import_file(found, autoreload, log, module_name)
        _prefer_path(module_name, path)
    return _import_library(module_name, autoreload, log)


def _prefer_path(module_name, path):
    """Put path's directories in front of sys.path; forget module_name if
    it was imported from elsewhere, so that it is found in path."""
    module = sys.modules.get(module_name)
    if module is not None:
        found = getattr(module, "__file__", None) or ""
        if not any(found.startswith(os.path.join(directory, ""))
                   for directory in path):
            del sys.modules[module_name]
            _loaded()
            _mtimes.pop(module_name, None)
    for directory in reversed(path):
        if directory not in sys.path:
            sys.path.insert(0, directory)
    importlib.invalidate_caches()


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
    classes met on the way.  _SKIP when silent and a name is missing (a
    handler that is None is not missing: calling it is the error)."""
    obj = module
    for name in names:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            if silent:
                return _SKIP
            raise AttributeError(_missing_object(module, obj, name,
                                                 object_path)) from None
        if isinstance(obj, type):
            obj = obj(req)
    return obj


def _module_label(module):
    """'myscript' (/dir/myscript.py) for a handler module (named by a hash
    of its file), 'pkg.mod' (/path) for a library module."""
    path = getattr(module, "__file__", None)
    name = module.__name__
    if path and name.startswith("_mp_"):
        name = os.path.splitext(os.path.basename(path))[0]
    return "%r (%s)" % (name, path) if path else repr(name)


def _missing_object(module, obj, name, object_path):
    """The message of a handler object not found: which file was imported,
    what it defines, how to name another function."""
    if obj is not module:
        return ("module %s: %r has no %r (handler object %r)"
                % (_module_label(module), type(obj).__name__, name,
                   object_path))
    defined = sorted(key for key, value in vars(module).items()
                     if not key.startswith("_") and callable(value)
                     and getattr(value, "__module__", None)
                     == module.__name__)
    if defined:
        shown = ", ".join(defined[:12]) + (", ..." if len(defined) > 12
                                           else "")
        what = "it defines %s" % shown
    else:
        what = "it defines no functions or classes"
    return ("module %s contains no %r (handler %r); %s. The function is "
            "named after the directive (PythonHandler: handler, "
            "PythonAuthenHandler: authenhandler) or given after '::' "
            "(PythonHandler module::function)"
            % (_module_label(module), name, object_path, what))


# (handler, phase, directory) -> (module name, object path, its names,
# the handler module's file or "" for a library module, the directory's
# sys.path entry or None): what a dispatch needs that depends only on
# those three, worked out once (a plain tuple: the fastest to unpack)
_targets = {}


def _target(handler, phase, directory):
    """Split "module::object.path" and find the module's file in directory
    once per distinct handler, phase and directory."""
    module_name, _, object_path = handler.partition("::")
    if not object_path:
        object_path = _default_object(phase)
    path = entry = None
    if directory is not None:
        entry = os.path.normpath(directory)
        if "." not in module_name:
            path = _module_file(directory, module_name)
    target = (module_name, object_path, tuple(object_path.split(".")),
              path or "", entry)
    if len(_targets) >= 1024:       # req.add_handler() names are the app's
        _targets.clear()
        _loaded()
    _targets[handler, phase, directory] = target
    return target


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


def _handler_module(phase, handler, directory, flags, python_path):
    """Apply PythonPath, import (or reload) the handler's module; returns
    (module, target) with target as _target() gives it."""
    if python_path is not None:
        _set_python_path(python_path)
    found = _targets.get((handler, phase, directory))
    if found is None:
        found = _target(handler, phase, directory)
    module_name, object_path, names, path, entry = found
    if entry is not None and entry not in sys.path:
        # the directory (once, as "/dir" without the slash httpd gives):
        # for what the handler module imports from it
        sys.path.insert(0, entry)
    if path:
        module = _import_file(path, flags & _FLAG_AUTORELOAD,
                              flags & _FLAG_DEBUG, module_name)
    else:
        try:
            module = _import_library(module_name, flags & _FLAG_AUTORELOAD,
                                     flags & _FLAG_DEBUG)
        except ImportError:
            # look for the file again next time: it may be created
            _targets.pop((handler, phase, directory), None)
            _loaded()
            raise
    return module, found


def _call_handler(target, phase, handler, directory, flags, python_path):
    """Resolve handler and call it with target (req, filter or conn)."""
    module, found = _handler_module(phase, handler, directory, flags,
                                    python_path)
    obj = _resolve(target, module, found[1], found[2], flags & _FLAG_SILENT)
    if obj is _SKIP:
        return _SKIP
    if flags & _FLAG_PDB:
        import pdb
        return pdb.runcall(obj, target)
    return obj(target)


# The C module keeps, per interpreter and configured handler, what
# _prepare() returned, and calls the handler itself while that is still
# true (Doc/benchmarks.rst, "The request path"): the module is the one
# sys.modules (or, for a handler module file, _file_modules) has, the
# watched file has the same mtime, and _generation has not moved.  Any
# (re)load or forgetting of a module moves _generation.
_generation = 0


def _loaded():
    global _generation
    _generation += 1


def _prepare(phase, handler, directory, flags, python_path):
    """For the C module's fast path: import the handler's module as
    _dispatch does and return (module, names, module name or None, watched
    file or None, its st_mtime_ns, _generation, the directory's sys.path
    entry or None); module name is None for a handler module file (keyed
    by its path, not by a name in sys.modules).  Called with the request
    as the logging target, like _dispatch.  Exceptions propagate (the C
    module passes them to _failed)."""
    module, found = _handler_module(phase, handler, directory, flags,
                                    python_path)
    module_name, _, names, path, entry = found
    if path:
        watched, mtime = path, _file_modules[path][1]
        module_name = None
    else:
        mtime = (_mtimes.get(module_name)
                 if not module_name.startswith(_OWN_PACKAGE) else None)
        watched = getattr(module, "__file__", None) if mtime else None
    return (module, names, module_name, watched, mtime or 0, _generation,
            entry)


def _failed(req, phase, handler, flags, exc):
    """The status for exception exc raised by a handler called by the C
    module's fast path, handled as _dispatch handles it."""
    if isinstance(exc, SERVER_RETURN):
        try:
            return _status_from_server_return(req, exc)
        except Exception as error:
            exc = error
    return _report_error(req, phase, handler, flags & _FLAG_DEBUG, exc)


def _result(req, phase, handler, flags, result):
    """The status for a handler result that is not an int (fast path)."""
    try:
        return _status(req, handler, result)
    except Exception as exc:
        return _report_error(req, phase, handler, flags & _FLAG_DEBUG, exc)


@logbridge.bridged
def _dispatch(req, phase, handler, directory, flags, python_path):
    """Run one request-phase handler for the C module; returns a status.
    (The C module's short way, src/dispatch.c, ends in the same _failed
    and _result.)"""
    try:
        result = _call_handler(req, phase, handler, directory, flags,
                               python_path)
    except BaseException as exc:
        return _failed(req, phase, handler, flags, exc)
    if result is _SKIP:
        return _SKIPPED
    return _result(req, phase, handler, flags, result)


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


@logbridge.bridged
def _dispatch_include(filter, tag, code):
    """Run the code of a <!--#python exec="..."--> or eval="..." element
    of a server-side include page (Doc/ssi.rst); returns a status.

    The code runs with req.ssi_globals as its globals (created on first
    use, so handlers of earlier phases can put names there), with
    ``filter`` bound to a filter object whose write() puts text in place
    of the element; the value of an eval is written as str().  code is
    the element's bytes: code that is not UTF-8 is the page's error, and
    is reported as one (MP09001, naming the page)."""
    req = filter.req
    namespace = getattr(req, "ssi_globals", None)
    if namespace is None:
        namespace = req.ssi_globals = {}
    namespace["filter"] = filter
    namespace["__file__"] = req.filename
    try:
        code = code.decode("utf-8").replace("\r\n", "\n").rstrip()
        if tag == "eval":
            value = eval(code, namespace)
            if value is not None:
                filter.write(str(value))
        else:
            exec(code, namespace)
        return OK
    except BaseException:
        _log_exception(req, "MP09001: exception in <!--#python %s--> of %s"
                       % (tag, req.filename), source="mod_python.apache")
        return HTTP_INTERNAL_SERVER_ERROR
    finally:
        namespace["filter"] = None


def _unfold_header_lines(lines):
    """Header lines (bytes) with continuation lines (starting with a space
    or tab) joined to the line before, as RFC 822 folding; for the CGI
    handler's script headers and util's multipart part headers."""
    unfolded = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and unfolded:
            unfolded[-1] += b" " + line.strip()
        else:
            unfolded.append(line)
    return unfolded


def _dispatch_frame(code):
    """Whether a traceback frame is mod_python's dispatch or importlib's
    machinery, of no interest to whoever reads the traceback."""
    filename = code.co_filename
    return (filename.startswith("<frozen importlib")
            or os.path.dirname(filename) == _IMPORTLIB_DIR
            or filename in _DISPATCH_FILES)


_IMPORTLIB_DIR = os.path.dirname(importlib.__file__)
_DISPATCH_FILES = frozenset(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("apache.py", "logbridge.py"))


def _format_exception(exc=None):
    """The traceback of exc (default: the exception being handled),
    without its leading frames of mod_python's dispatch and of importlib
    (the last frame is always kept): the first frame shown is the
    handler's own code.  (A handler called by the C module's short way
    has no such frames: its traceback starts at its own.)"""
    import traceback        # only on errors: keeps interpreters small
    if exc is None:
        kind, value, tb = sys.exc_info()
    else:
        kind, value, tb = type(exc), exc, exc.__traceback__
    left_out = 0
    while tb is not None and tb.tb_next is not None \
            and _dispatch_frame(tb.tb_frame.f_code):
        tb = tb.tb_next
        left_out += 1
    text = "".join(traceback.format_exception(kind, value, tb))
    for name, plain in list(_plain_names.items()):
        if name in text:    # a class of a handler module or page
            text = text.replace(name + ".", plain + ".")
    if left_out:
        text = text.replace(
            "Traceback (most recent call last):\n",
            "Traceback (most recent call last):\n  [%d frame%s of mod_python "
            "and importlib left out]\n"
            % (left_out, "" if left_out == 1 else "s"), 1)
    return text


def _log_exception(target, header, source="mod_python", exc=None):
    """Log header and the traceback of exc (default: the exception being
    handled), line by line, via target; each line starts with source."""
    text = _format_exception(exc)
    log = getattr(target, "log_error", None) or log_error
    log("%s: %s (pid %d):" % (source, header, os.getpid()), APLOG_ERR)
    for line in text.rstrip("\n").split("\n"):
        log("%s:   %s" % (source, line), APLOG_ERR)
    return text


def _error_hints(phase, handler, debug, error):
    """Numbered advice on exception error: (number, text) pairs."""
    if not isinstance(error, ImportError):
        return []
    module_name = handler.partition("::")[0]
    hints = []
    if module_name.endswith((".py", ".pyc")) or "/" in module_name:
        stem = os.path.splitext(os.path.basename(module_name))[0]
        hints.append(("MP01003", "%s %s: a handler names a module, not a "
                      "file: write %s %s for %s.py in the section's "
                      "directory (or on sys.path)"
                      % (phase, handler, phase, stem, stem)))
    if debug and isinstance(error, ModuleNotFoundError):
        hints.append(("MP01004", "No module named %r: sys.path searched "
                      "(PythonDebug On) was %r" % (error.name, sys.path)))
    return hints


def _report_error(req, phase, handler, debug, exc=None):
    """Log exc (default: the exception being handled); with PythonDebug
    also send it."""
    text = _log_exception(req, "exception in %s %s (interpreter %r)"
                          % (phase, handler, req.interpreter), exc=exc)
    error = exc if exc is not None else sys.exc_info()[1]
    for number, hint in _error_hints(phase, handler, debug, error):
        req.log_error("mod_python.apache: %s: %s" % (number, hint),
                      APLOG_ERR)
        text += "\n%s: %s\n" % (number, hint)
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


def _python_import(name, python_path=None):
    """PythonImport: at child start, import a module and, for the
    ``module::function`` form, call function() once it is imported.
    python_path: the server's PythonPath, applied first as for handlers."""
    if python_path is not None:
        _set_python_path(python_path)
    module_name, _, function_path = name.partition("::")
    module = _import_library(module_name, 0, 0)
    if function_path:
        function = module
        for attribute in function_path.split("."):
            function = getattr(function, attribute)
        function()


_exit_callbacks = []


def register_cleanup(callable_, data=None):
    """Call callable_(data) when the child process exits (3.5's
    apache.register_cleanup; server.register_cleanup without a request)."""
    if not callable(callable_):
        raise TypeError("register_cleanup: the first argument must be "
                        "callable")
    _exit_callbacks.append((callable_, data))


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
