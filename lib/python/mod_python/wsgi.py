# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.wsgi: run a WSGI application (PEP 3333) as a content handler.

Configuration (Doc/wsgi.rst)::

    <Location /app>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application mysite.wsgi::application
    </Location>

``mod_python.wsgi.application`` is ``module[::callable]`` (the callable
defaults to ``application``); the module is imported with
``apache.import_module``, so PythonAutoReload picks up a changed file.
SCRIPT_NAME is the path of the ``<Location>`` the handler is set in (or
``PythonOption mod_python.wsgi.base_uri``), PATH_INFO the rest of the URI.

The environ is built in C (``_apache.wsgi_environ``, src/wsgi.c) on every
request; ``wsgi.input`` is the request object itself (it reads the body
from Apache as the application asks for it, chunked bodies included), and
``wsgi.errors`` is ``sys.stderr``, which mod_python sends to the error log.
"""

import os
import stat
import sys

import _apache
from mod_python import apache

__all__ = ["handler", "FileWrapper"]

# RFC 7230 6.1: headers that describe one connection, which only the
# server may set (PEP 3333: "hop-by-hop" headers are the server's).
_HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate",
                         "proxy-authorization", "te", "trailer", "trailers",
                         "transfer-encoding", "upgrade"))


class FileWrapper:
    """wsgi.file_wrapper: wraps a file-like object for the response.

    When the handler gets one back from the application and the file is
    a real file (it has a working fileno() on a regular file), its data
    goes out with sendfile(2) from the current position of the file; else
    it is read in blocks of blksize bytes."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        close = getattr(filelike, "close", None)
        if close is not None:
            self.close = close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


def _threaded():
    try:
        return apache.mpm_query(apache.AP_MPMQ_IS_THREADED) != 0
    except Exception:       # not inside httpd (e.g. the docs build)
        return True


# The keys every environ starts with; _apache.wsgi_environ copies it.
_TEMPLATE = {
    "GATEWAY_INTERFACE": "CGI/1.1",
    "SERVER_SOFTWARE": _apache.httpd_version,
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": _threaded(),
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.file_wrapper": FileWrapper,
    "wsgi.input_terminated": True,
}

# The names of the keys _apache.wsgi_environ sets from the request, in the
# order src/wsgi.c expects them (its KEY_* enum): made once here rather
# than for every request there.
_KEYS = ("REQUEST_METHOD", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
         "SERVER_PROTOCOL", "SERVER_ADMIN", "SERVER_ADDR", "REMOTE_ADDR",
         "REMOTE_PORT", "REMOTE_USER", "AUTH_TYPE", "REQUEST_URI",
         "REQUEST_SCHEME", "DOCUMENT_ROOT", "HTTPS", "wsgi.url_scheme",
         "SCRIPT_NAME", "PATH_INFO", "wsgi.input", "mod_python.request")

_wsgi_environ = _apache.wsgi_environ
_applications = {}     # option text -> (module name, callable name)
_loaded = {}           # option text -> (callable, module file, its mtime)


def _error(number, text, exception=RuntimeError):
    return exception("mod_python.wsgi: MP%05d: %s" % (number, text))


def _application(req, text):
    """The callable named by PythonOption mod_python.wsgi.application.

    What apache.import_module found is kept with the mtime of the module's
    file: while that does not change (one stat, with PythonAutoReload On)
    the callable is used as is."""
    loaded = _loaded.get(text)
    if loaded is not None:
        if not req._autoreload:
            return loaded[0]
        try:
            if os.stat(loaded[1]).st_mtime_ns == loaded[2]:
                return loaded[0]
        except OSError:
            pass
    spec = _applications.get(text)
    if spec is None:
        if not text:
            raise _error(7001, "PythonOption mod_python.wsgi.application "
                         "is not set (module or module::callable)")
        module_name, _, name = text.partition("::")
        spec = (module_name.strip(), name.strip() or "application")
        if len(_applications) >= 256:
            _applications.clear()
        _applications[text] = spec
    module = apache.import_module(spec[0], autoreload=req._autoreload)
    application = getattr(module, spec[1], None)
    if not callable(application):
        raise _error(7001, "PythonOption mod_python.wsgi.application %r: "
                     "module %s has no callable %r"
                     % (text, spec[0], spec[1]))
    path = getattr(module, "__file__", None)
    if path:
        try:
            if len(_loaded) >= 256:
                _loaded.clear()
            _loaded[text] = (application, path, os.stat(path).st_mtime_ns)
        except OSError:
            pass
    return application


def _bad_text(text):
    """Why text may not be a header name or value, or None."""
    if "\r" in text or "\n" in text or "\0" in text:
        return "contains CR, LF or NUL"
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return "is not ISO-8859-1 (PEP 3333)"
    return None


def _check_status(status):
    if type(status) is not str:
        raise _error(7003, "status %r is not a str" % (status,), TypeError)
    if (len(status) < 4 or not status[:3].isdigit() or status[3] != " "
            or status[0] == "0" or _bad_text(status)):
        raise _error(7003, "bad status %r (want '200 OK')" % (status,),
                     ValueError)


def _check_header(item):
    """Raise unless item is a (name, value) pair the server may send."""
    if type(item) is not tuple or len(item) != 2:
        raise _error(7003, "header %r is not a (name, value) tuple"
                     % (item,), TypeError)
    name, value = item
    if type(name) is not str or type(value) is not str:
        raise _error(7003, "header %r: name and value must be str"
                     % (item,), TypeError)
    if not (name.isascii() and name.isprintable()) or not name \
            or ":" in name or " " in name:
        raise _error(7003, "bad header name %r" % (name,), ValueError)
    if not (value.isascii() and value.isprintable()):
        reason = _bad_text(value)
        if reason:
            raise _error(7003, "value of header %r %s" % (name, reason),
                         ValueError)
    if name.lower() in _HOP_BY_HOP:
        raise _error(7003, "hop-by-hop header %r is the server's to set"
                     % (name,), ValueError)


# Statuses and header pairs already found good: most responses repeat the
# same few, and a set lookup is cheaper than checking them again.
_good_statuses = set()
_good_headers = set()


def _remember(good, item):
    if len(good) >= 512:
        good.clear()
    good.add(item)


class _ClientGone(Exception):
    """Writing to the client failed: it closed the connection."""


class _Response:
    """start_response(), write() and the state of one response."""

    __slots__ = ("req", "status", "headers", "sent", "length", "written",
                 "truncated")

    def __init__(self, req):
        self.req = req
        self.status = None
        self.headers = None
        self.sent = False       # headers handed to Apache
        self.length = None      # the application's Content-Length
        self.written = 0
        self.truncated = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise _error(7008, "start_response() called twice without "
                         "exc_info")
        if type(status) is not str or status not in _good_statuses:
            _check_status(status)
            _remember(_good_statuses, status)
        if type(headers) is not list:
            raise _error(7003, "headers must be a list, not %s"
                         % type(headers).__name__, TypeError)
        for item in headers:
            if type(item) is not tuple or item not in _good_headers:
                _check_header(item)
                _remember(_good_headers, item)
        self.status = status
        self.headers = headers
        return self.write

    def send_headers(self):
        """Give the status and headers to Apache (at the first non-empty
        body block, or at the end)."""
        if self.status is None:
            raise _error(7007, "the application returned without calling "
                         "start_response()")
        req = self.req
        status = self.status
        req.status = int(status[:3])
        req.status_line = status
        out = req.headers_out
        for name, value in self.headers:
            lower = name.lower()
            if not value.isascii():
                value = value.encode("latin-1").decode("utf-8",
                                                       "surrogateescape")
            if lower == "content-type":
                req.content_type = value
            elif lower == "content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length < 0 or not value.strip().isdigit():
                    raise _error(7003, "bad Content-Length %r" % (value,),
                                 ValueError)
                self.length = length
                req.set_content_length(length)
            else:
                out.add(name, value)
        self.sent = True

    def send(self, data, flush):
        """Send one body block (bytes; str is taken as UTF-8, as mod_python
        3.5 did), keeping to the application's Content-Length."""
        if type(data) is not bytes:
            if isinstance(data, (bytes, bytearray, memoryview)):
                data = bytes(data)
            elif isinstance(data, str):
                data = data.encode("utf-8")
            else:
                raise _error(7009, "body block %r is not bytes"
                             % (type(data).__name__,), TypeError)
        if not data:
            return
        if not self.sent:
            self.send_headers()
        if self.length is not None:
            room = self.length - self.written
            if len(data) > room:
                if not self.truncated:
                    self.truncated = True
                    self.req.log_error(
                        "mod_python.wsgi: MP07004: response body longer than "
                        "its Content-Length %d: the rest is dropped"
                        % self.length, apache.APLOG_WARNING)
                data = data[:room]
                if not data:
                    return
        self.written += len(data)
        if flush and self.length is not None and self.written >= self.length:
            # the last block: nothing can follow it, so it need not be
            # flushed on its own (it goes out with the end of the response,
            # in one write for a small body: frameworks return iterators)
            flush = False
        try:
            self.req.write(data, flush)
        except OSError as exc:
            raise _ClientGone(str(exc)) from None

    def write(self, data):
        """The write() callable start_response returns (legacy API)."""
        if self.status is None:
            raise _error(7007, "write() called before start_response()")
        self.send(data, True)

    def send_file(self, wrapper):
        """Send a FileWrapper of a regular file with sendfile(2); False
        when its file is not one (the caller then iterates it)."""
        filelike = wrapper.filelike
        try:
            fd = filelike.fileno()
            info = os.fstat(fd)
            offset = filelike.tell() if hasattr(filelike, "tell") \
                else os.lseek(fd, 0, os.SEEK_CUR)
        except (AttributeError, OSError, ValueError):
            return False
        if not stat.S_ISREG(info.st_mode) or offset > info.st_size:
            return False
        count = info.st_size - offset
        if not self.sent:
            if self.status is None:
                return False        # reported by the caller's checks
            self.send_headers()
        if self.length is not None:
            count = min(count, self.length - self.written)
        elif count:
            self.req.set_content_length(count)
        try:
            self.written += _apache.wsgi_sendfile(self.req, fd, offset, count)
        except OSError as exc:
            raise _ClientGone(str(exc)) from None
        return True

    def finish(self):
        if not self.sent:
            self.send_headers()
        if self.length is not None and self.written < self.length \
                and self.req.method != "HEAD":
            self.req.log_error(
                "mod_python.wsgi: MP07005: response body of %d bytes is "
                "shorter than its Content-Length %d: connection closed"
                % (self.written, self.length), apache.APLOG_ERR)
            _apache.wsgi_close_connection(self.req)


def _send_body(response, result):
    if type(result) is list or type(result) is tuple:
        for data in result:         # all there already: no flushing
            response.send(data, False)
        return
    if type(result) is FileWrapper and response.send_file(result):
        return
    for data in result:
        response.send(data, True)


def handler(req):
    """The content handler: run the configured WSGI application."""
    text, environ = _wsgi_environ(req, _TEMPLATE, _KEYS)
    if environ is None:
        req.log_error("mod_python.wsgi: MP07002: %s is not under "
                      "PythonOption mod_python.wsgi.base_uri" % (req.uri,),
                      apache.APLOG_ERR)
        return apache.HTTP_NOT_FOUND
    application = _application(req, text)
    response = _Response(req)
    result = application(environ, response.start_response)
    try:
        _send_body(response, result)
        response.finish()
    except _ClientGone as exc:
        req.log_error("mod_python.wsgi: MP07006: client went away during "
                      "the response (%s)" % (exc,), apache.APLOG_INFO)
    except Exception:
        # part of the body is out: end it so that the client sees it is
        # incomplete (no error page glued to it); else a 500 (with
        # PythonDebug, the traceback)
        if not (response.sent and _apache.wsgi_abort(req)):
            raise
        apache._log_exception(req, "exception in the WSGI application after "
                              "part of its body was sent: response cut off",
                              source="mod_python.wsgi")
        return apache.DONE
    except BaseException:
        if response.sent:
            _apache.wsgi_close_connection(req)
        raise
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return apache.OK
