# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.cgihandler: run legacy CGI scripts inside Apache.

Configuration::

    <Directory /some/path>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
    </Directory>

The script named by ``req.filename`` runs unchanged, as ``__main__``, in
this interpreter, with what mod_cgi would give it: the request body on
``sys.stdin``, the CGI variables (and PATH, SetEnv, PassEnv) in
``os.environ``, its own directory as working directory and first on
``sys.path``.  Its output (CGI headers, a blank line, the body) is
checked as mod_cgi does.

Concurrent requests (threaded MPMs): ``sys.stdin``, ``sys.stdout`` and
``os.environ`` are thread-aware stand-ins installed once, so scripts run
at once, each seeing its own request.  What is one per process (working
directory, ``sys.path[0]``, a ``sys.excepthook`` a script set, unloading
the modules scripts imported) is
handled by a gate: scripts of one directory run together, another
directory's wait.  The gate is never held while waiting for a client:
the body is read before the script runs and its output sent after it
ended (in memory up to SPOOL_MEMORY_BYTES each, then in a temporary
file).  Doc/cgihandler.rst says why, and what is still serialised.
"""

import _imp
import _thread
import io
import os
import re
import stat
import sys
import sysconfig
import tempfile
import threading
from importlib.machinery import PathFinder

from mod_python import apache

__all__ = ["handler"]

MAX_HEADER_BYTES = 64 * 1024   # a script's header block, as mod_cgi allows
# A request body or a script's output is kept in memory up to this size,
# beyond it in an unnamed temporary file.
SPOOL_MEMORY_BYTES = 256 * 1024
_CHUNK = 64 * 1024
# read now, at import: httpd's TMPDIR (a script's os.environ has none)
_SPOOL_DIR = tempfile.gettempdir()


def handler(req):
    """Run the CGI script req.filename for this request.

    The client is only talked to outside the gate: the body is read
    before the script runs, and its output is sent after it ended."""
    script = req.filename
    code = _compile(req, script) if script else None
    if code is None:
        _log(req, "MP03001", "no script %r for %s" % (script, req.uri),
             apache.APLOG_INFO)
        return apache.HTTP_NOT_FOUND
    try:
        body = _read_body(req)
    except OSError as error:
        _log(req, "MP03007", "%s: the request body could not be read: %s"
             % (script, error), apache.APLOG_INFO)
        return _read_error_status(error)
    try:
        return _run(req, script, code, body)
    finally:
        if body is not None:
            body.close()


def _run(req, script, code, body):
    response = _Response(req)
    # No BufferedWriter between them: _Response takes every write whole;
    # sys.stdout.buffer is the _Response itself.
    stdout = io.TextIOWrapper(response, encoding="utf-8",
                              errors="surrogateescape", write_through=True)
    environ = _cgi_environ(req, script)
    directory = os.path.dirname(script)
    with _gate.running(directory), \
            _local_streams([None, stdout, environ, body, directory]):
        try:
            exec(code, _script_globals(script))
        except SystemExit:
            pass
        except Exception as error:
            if sys.excepthook is _gate.excepthook:
                raise
            _report_with_script_hook(req, script, error)
        finally:
            _flush(stdout)
    return response.finish()


def _report_with_script_hook(req, script, error):
    """A script that installed its own sys.excepthook (cgitb.enable())
    has its uncaught exception reported by it, on its output, as Python
    ending the CGI process would; the error log still names it."""
    _log(req, "MP03008", "%s: %s: %s (reported by the script's "
         "sys.excepthook)" % (script, type(error).__name__, error),
         apache.APLOG_WARNING)
    sys.excepthook(type(error), error, error.__traceback__)


def _log(req, number, message, level=apache.APLOG_ERR):
    """Log a numbered message (see Doc/troubleshooting.rst)."""
    req.log_error("mod_python.cgihandler: %s: %s" % (number, message), level)


def _stdin(body):
    """sys.stdin for a script: made when the script first uses it."""
    return io.TextIOWrapper(body if body is not None else io.BytesIO(),
                            encoding="utf-8", errors="surrogateescape")


# ---------------------------------------------------------------- scripts

_code_cache = {}             # script -> (mtime_ns, size, code)


def _compile(req, script):
    """The compiled script, recompiled when the file changes (unless
    PythonAutoReload is Off: then a script is read once); None if there
    is no such file."""
    cached = _code_cache.get(script)
    if cached is not None and not req._autoreload:
        return cached[2]
    try:
        info = os.stat(script)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if cached is not None and cached[:2] == (info.st_mtime_ns, info.st_size):
        return cached[2]
    with open(script, "rb") as source:
        code = compile(source.read(), script, "exec", dont_inherit=True)
    _code_cache[script] = (info.st_mtime_ns, info.st_size, code)
    return code


def _script_globals(script):
    return {"__name__": "__main__", "__file__": script, "__doc__": None,
            "__package__": None, "__spec__": None, "__loader__": None,
            "__builtins__": __builtins__}


def _flush(stream):
    try:
        stream.flush()
    except ValueError:          # the script closed sys.stdout
        pass


def _cgi_environ(req, script):
    """os.environ for the script: what mod_cgi gives a script, the CGI
    variables (RFC 3875), PATH and what SetEnv, PassEnv and other modules
    put in req.subprocess_env; nothing else of httpd's environment."""
    req.add_common_vars()
    # items(), not the table itself: dict() would look every key up again
    # (quadratic), and get a list for a repeated one
    environ = dict(req.subprocess_env.items())
    path_info = req.path_info or ""
    uri = req.uri or ""
    if path_info and uri.endswith(path_info):
        script_name = uri[:-len(path_info)]
    else:
        script_name = uri
    environ.update({
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": req.protocol or "",
        "REQUEST_METHOD": req.method or "",
        "QUERY_STRING": req.args or "",
        "REQUEST_URI": req.unparsed_uri or "",
        "SCRIPT_NAME": script_name,
        "SCRIPT_FILENAME": script,
    })
    if path_info:
        environ["PATH_INFO"] = path_info
        environ["PATH_TRANSLATED"] = (req.document_root().rstrip("/")
                                      + path_info)
    else:
        environ.pop("PATH_INFO", None)
        environ.pop("PATH_TRANSLATED", None)
    return environ


# ------------------------------------------------------- the request I/O

class _Spool:
    """Bytes kept in memory up to SPOOL_MEMORY_BYTES, then in an unnamed
    temporary file (a body or an output of any size costs little RAM)."""

    def __init__(self):
        self._memory = bytearray()
        self._file = None

    def write(self, data):
        if self._file is not None:
            self._file.write(data)
            return
        self._memory += data
        if len(self._memory) > SPOOL_MEMORY_BYTES:
            self._file = tempfile.TemporaryFile(dir=_SPOOL_DIR)
            self._file.write(self._memory)
            self._memory = None

    def reader(self):
        """A binary file of what was written, from its start."""
        if self._file is None:
            return io.BytesIO(self._memory)
        self._file.seek(0)
        return self._file

    def chunks(self):
        """What was written, in pieces of at most 64 KiB (or one piece
        when it was kept in memory)."""
        if self._file is None:
            if self._memory:
                yield bytes(self._memory)
            return
        self._file.seek(0)
        while True:
            data = self._file.read(_CHUNK)
            if not data:
                return
            yield data

    def close(self):
        if self._file is not None:
            self._file.close()


def _read_body(req):
    """The whole request body as a binary file (None if there is none),
    read before the script runs as mod_cgi does."""
    data = req.read(_CHUNK)
    if not data:
        return None
    spool = _Spool()
    while data:
        spool.write(data)
        data = req.read(_CHUNK)
    return spool.reader()


_STATUS_IN_ERROR = re.compile(r"HTTP status (\d{3})")


def _read_error_status(error):
    """The status for a body that could not be read: the one Apache chose
    (413 over LimitRequestBody), else 400."""
    match = _STATUS_IN_ERROR.search(str(error))
    return int(match.group(1)) if match else apache.HTTP_BAD_REQUEST


_HEADER_END = re.compile(rb"(?:\A|\n)\r?\n")
# an HTTP field name (RFC 9110 section 5.1)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class _Response(io.RawIOBase):
    """The script's standard output: CGI headers, then the body.

    Header lines are collected until the blank line, then applied to the
    request; the body is spooled and sent by finish(), after the script
    (and the gate).
    """

    def __init__(self, req):
        self._req = req
        self._head = bytearray()
        self._headers_done = False
        self._error = None          # (message number, reason)
        self._discard = False
        self._local_redirect = None
        self._body = _Spool()

    def writable(self):
        return True

    def _dealloc_warn(self, source):
        """Called by the TextIOWrapper around this when it is collected
        (as on a BufferedWriter); defined so that it finds the method
        instead of raising AttributeError for every request."""

    def write(self, data):
        size = len(data)
        if self._discard:
            return size
        if not self._headers_done:
            self._head += data
            match = _HEADER_END.search(self._head)
            end = len(self._head) if match is None else match.start()
            if end > MAX_HEADER_BYTES:
                self._fail("MP03003", "script headers longer than %d bytes"
                           % MAX_HEADER_BYTES)
                return size
            if match is None:
                return size
            block = bytes(self._head[:end])
            data = self._head[match.end():]
            self._head = None
            self._headers_done = True
            self._apply_headers(block)
            if self._discard:
                return size
        if data:
            self._body.write(data)
        return size

    def _fail(self, number, reason):
        self._error = (number, reason)
        self._discard = True

    def _apply_headers(self, block):
        req = self._req
        status = location = None
        lines = apache._unfold_header_lines(
            line.rstrip(b"\r") for line in block.split(b"\n"))
        for line in lines:
            name, colon, value = line.partition(b":")
            name = name.strip().decode("latin-1")
            if not colon or not name:
                return self._fail("MP03004", "malformed header from script: "
                                  "%r" % line[:80].decode("latin-1"))
            if not _TOKEN.fullmatch(name):
                # httpd would abort the whole response (AH02429); cgitb's
                # report starts with such a line ("<!--: spam") meant to
                # be harmless
                _log(req, "MP03009", "%s: header line with an invalid name "
                     "ignored: %r" % (req.filename, name[:80]),
                     apache.APLOG_INFO)
                continue
            value = value.strip().decode("utf-8", "surrogateescape")
            key = name.lower()
            if key == "status":
                status = _status_code(value)
                if status is None:
                    return self._fail("MP03005", "bad Status header from "
                                      "script: %r" % value[:80])
            elif key == "content-type":
                req.content_type = value
            elif key == "location":
                location = value
                req.headers_out[name] = value
            else:
                req.headers_out.add(name, value)
        if status is not None:
            req.status = status
        elif location is not None:
            if location.startswith("/"):
                self._local_redirect = location
                self._discard = True
            else:
                req.status = apache.HTTP_MOVED_TEMPORARILY

    def finish(self):
        """Send the response once the script has ended; the handler's
        status."""
        req = self._req
        try:
            if self._error is None and not self._headers_done:
                self._error = (("MP03002", "premature end of script headers")
                               if self._head else
                               ("MP03006", "script produced no output"))
            if self._error is not None:
                number, reason = self._error
                _log(req, number, "%s: %s" % (req.filename, reason))
                return apache.HTTP_INTERNAL_SERVER_ERROR
            if self._local_redirect is not None:
                # as mod_cgi: the new request is a GET without a body
                req.internal_redirect(self._local_redirect, as_get=True)
                return apache.OK
            for data in self._body.chunks():
                req.write(data, flush=False)
            return apache.OK
        finally:
            self._body.close()


def _status_code(value):
    """The code of a Status header value, or None unless it is a number
    from 100 to 599 (what Apache can send)."""
    try:
        code = int(value.split(None, 1)[0])
    except (IndexError, ValueError):
        return None
    return code if 100 <= code <= 599 else None


# ------------------------------------------- thread-aware process state

class _Local(_thread._local):
    # [stdin or None until first used, stdout, environ, body file or None,
    # script directory] while this thread runs a script.  A class
    # default: a missing attribute of a thread-local raises (and formats)
    # an AttributeError first.
    streams = None


_local = _Local()


class _StreamProxy:
    """Installed once as sys.stdin / sys.stdout: forwards to the current
    thread's CGI stream, or to the stream that was there before."""

    def __init__(self, index, default):
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_default", default)

    def _target(self):
        streams = _local.streams
        if streams is None:
            return self._default
        stream = streams[self._index]
        if stream is None:
            stream = streams[0] = _stdin(streams[3])
        return stream

    def __getattr__(self, name):
        return getattr(self._target(), name)

    def __setattr__(self, name, value):
        setattr(self._target(), name, value)

    def __iter__(self):
        return iter(self._target())

    def __next__(self):
        return next(self._target())

    def __enter__(self):
        return self._target().__enter__()

    def __exit__(self, *exc_info):
        return self._target().__exit__(*exc_info)

    def write(self, text):
        return self._target().write(text)

    def read(self, size=-1):
        return self._target().read(size)

    def readline(self, size=-1):
        return self._target().readline(size)

    def flush(self):
        return self._target().flush()

    def __repr__(self):
        return "<cgihandler proxy for %r>" % (self._target(),)


class _ThreadAwareEnviron(type(os.environ)):
    """The class os.environ is switched to: on a thread running a CGI
    script it reads and writes that request's environment (a dict), on
    any other thread it is the process environment as usual."""

    def _request(self):
        streams = _local.streams
        return None if streams is None else streams[2]

    def __getitem__(self, key):
        environ = self._request()
        if environ is None:
            return super().__getitem__(key)
        return environ[key]

    def __setitem__(self, key, value):
        environ = self._request()
        if environ is None:
            return super().__setitem__(key, value)
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("str expected, not %s" % type(
                value if isinstance(key, str) else key).__name__)
        environ[key] = value

    def __delitem__(self, key):
        environ = self._request()
        if environ is None:
            return super().__delitem__(key)
        del environ[key]

    def __iter__(self):
        environ = self._request()
        if environ is None:
            return super().__iter__()
        return iter(list(environ))

    def __len__(self):
        environ = self._request()
        if environ is None:
            return super().__len__()
        return len(environ)

    def __repr__(self):
        environ = self._request()
        if environ is None:
            return super().__repr__()
        return "environ(%r)" % (environ,)


def _install():
    """Put the thread-aware stand-ins in place (once per interpreter)."""
    if not isinstance(sys.stdin, _StreamProxy):
        sys.stdin = _StreamProxy(0, sys.stdin)
    if not isinstance(sys.stdout, _StreamProxy):
        sys.stdout = _StreamProxy(1, sys.stdout)
    if not isinstance(os.environ, _ThreadAwareEnviron):
        os.environ.__class__ = _ThreadAwareEnviron


class _local_streams:
    """Context: this thread's stdin, stdout and environ are the request's
    (streams: [stdin or None, stdout, environ, body, directory])."""

    def __init__(self, streams):
        self._streams = streams

    def __enter__(self):
        _install()          # again, in case something replaced them
        self._saved = _local.streams
        _local.streams = self._streams

    def __exit__(self, *exc_info):
        _local.streams = self._saved
        return False


_install()


# ------------------------------------------------------------- the gate

def _kept_paths():
    """Directories whose modules are never unloaded."""
    paths = {sysconfig.get_paths().get(key)
             for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.add(os.path.dirname(os.path.dirname(apache.__file__)))
    for entry in sys.path:
        if entry.rstrip("/").endswith(("site-packages", "dist-packages")):
            paths.add(entry)
    return tuple(os.path.join(os.path.realpath(p), "")
                 for p in paths if p)


class _ScriptGate:
    """Scripts of one directory run together; the working directory is
    that directory, first on sys.path; modules they imported are unloaded
    and the sys.excepthook they set is undone when the last one
    finishes."""

    def __init__(self):
        self._condition = threading.Condition(threading.Lock())
        self._directory = None
        self._running = 0
        self._queue = []           # directories waiting, in arrival order
        self._imported = []        # names imported while scripts ran
        self._kept = _kept_paths()
        # sys.excepthook before the first of the running scripts started
        self.excepthook = sys.excepthook
        # every script directory seen (replaced, never changed in place:
        # the import hook reads it without the lock)
        self.directories = frozenset()

    def running(self, directory):
        return _GateTicket(self, directory)

    def enter(self, directory):
        with self._condition:
            if self._queue or not (self._running == 0
                                   or directory == self._directory):
                self._wait_turn(directory)
            if self._running == 0:
                self._directory = directory
                self.excepthook = sys.excepthook
                if directory not in self.directories:
                    self.directories = self.directories | {directory}
                if sys.meta_path[:1] != [_import_hook]:
                    _install_import_hook()
            if sys.path[:1] != [directory]:
                # again: another handler may have put its directory first
                _put_first(sys.path, directory)
            os.chdir(directory)     # again: a running script may have moved
            self._running += 1
            if self._queue:
                self._condition.notify_all()

    def _wait_turn(self, directory):
        ticket = object()
        self._queue.append(ticket)
        while not self._may_enter(directory, ticket):
            self._condition.wait()
        self._queue.remove(ticket)

    def _may_enter(self, directory, ticket):
        if self._running == 0:
            return self._queue[0] is ticket
        # same directory: join, unless someone else queued before us
        return directory == self._directory and self._queue[0] is ticket

    def leave(self):
        with self._condition:
            self._running -= 1
            if self._running == 0:
                # a hook a script installed (cgitb.enable()) ends with it
                sys.excepthook = self.excepthook
                if self._imported:
                    self._unload_new_modules()
            if self._queue:
                self._condition.notify_all()

    def _unload_new_modules(self):
        imported, self._imported = self._imported, []
        for name in imported:
            module = sys.modules.get(name)
            if module is None or not self._unloadable(module):
                continue
            del sys.modules[name]

    def _unloadable(self, module):
        path = getattr(module, "__file__", None)
        if not path:
            return False
        spec = getattr(module, "__spec__", None)
        if getattr(spec, "_initializing", False):
            return False      # being imported by another handler right now
        return not os.path.realpath(path).startswith(self._kept)


def _put_first(path, directory):
    while directory in path:
        path.remove(directory)
    path.insert(0, directory)


class _ImportHook:
    """First on sys.meta_path (finders are only asked for modules not yet
    in sys.modules).

    It notes every module imported while scripts run, so that finishing a
    script costs nothing when it imported nothing new.  And it finds a
    script's top-level imports as CGI would: in the script's directory
    first, whatever the order of sys.path (which other handlers change
    while scripts run), and never in another script directory."""

    def find_spec(self, name, path=None, target=None):
        if _gate._running:
            _gate._imported.append(name)
        streams = _local.streams
        if streams is None or path is not None:
            return None
        return _find_for_script(name, streams[4])

    def invalidate_caches(self):
        pass


def _find_for_script(name, directory):
    """The spec of top-level module name for a script of directory, or
    None to let the other finders look (builtin, frozen, sys.path)."""
    if _imp.is_builtin(name) or _imp.is_frozen(name):
        return None
    spec = PathFinder.find_spec(name, [directory])
    if spec is not None:
        return spec
    others = _gate.directories - {directory}
    if not others:
        return None
    foreign = [entry for entry in sys.path
               if entry.rstrip("/") in others]
    if not foreign:
        return None
    spec = PathFinder.find_spec(name, [entry for entry in sys.path
                                       if entry not in foreign])
    if spec is None and PathFinder.find_spec(name, foreign) is not None:
        raise ModuleNotFoundError("No module named %r (it is in another "
                                  "CGI script directory)" % name, name=name)
    return spec


_import_hook = _ImportHook()


def _install_import_hook():
    while _import_hook in sys.meta_path:
        sys.meta_path.remove(_import_hook)
    sys.meta_path.insert(0, _import_hook)


class _GateTicket:
    def __init__(self, gate, directory):
        self._gate = gate
        self._directory = directory

    def __enter__(self):
        self._gate.enter(self._directory)

    def __exit__(self, *exc_info):
        self._gate.leave()
        return False


_gate = _ScriptGate()
