# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Python's logging, warnings and sys.stderr -> the Apache error log.

``mod_python.apache`` calls ``install()`` once per interpreter when it is
imported.  From then on:

* a record of the ``logging`` module is written with ``req.log_error()``
  when a handler is running (so the line carries the client and request
  context), else with ``apache.log_error()`` (the main server's log), at
  the Apache level matching its Python level: DEBUG -> debug, INFO -> info,
  WARNING -> warn, ERROR -> error, CRITICAL -> crit;
* ``warnings.warn()`` goes through ``logging`` (logger ``py.warnings``,
  level WARNING);
* ``sys.stderr`` writes become error-log lines at level error, one per
  line of text.

The dispatcher marks the running handler with ``bridged`` (one
ContextVar.set/reset per call).  The "current" object may be a request, a
filter or a connection: anything with ``log_error(message, level)``.
Apache's ``LogLevel`` (per server, directory and module: ``LogLevel
python:debug``) decides what is written; the root logger is set to DEBUG
when nobody configured it, so that nothing is dropped before Apache sees
it.

``logging`` itself is only imported when a handler imports it (the bridge
is attached at that moment, by an import hook): it costs about 2 MB and
several milliseconds in every interpreter that does not use it.
"""

import _thread
import contextvars
import io
import sys

import _apache

# The request (or filter, or connection) whose handler this thread runs.
current = contextvars.ContextVar("mod_python_current", default=None)

# A partial stderr line, per thread (_thread rather than threading, and no
# functools below: each costs hundreds of KB in every interpreter).  The
# class attribute is the empty default: a missing attribute of a plain
# _thread._local raises (and formats) an AttributeError, which getattr()
# then discards -- on every request.


class _Pending(_thread._local):
    text = ""


_pending = _Pending()

# Python logging level -> Apache level; filled by install() from the
# apache.APLOG_* constants, highest threshold first.
_LEVELS = []
_APLOG_ERR = 3
_APLOG_WARNING = 4


def apache_level(levelno):
    """The apache.APLOG_* level for a Python logging level number."""
    for threshold, level in _LEVELS:
        if levelno >= threshold:
            return level
    return _LEVELS[-1][1]


def _printable(text):
    """text as something every log_error accepts: bytes that are not UTF-8
    (surrogate escapes, see Doc/strbytes.rst) become \\xNN, as does NUL."""
    if not isinstance(text, str):
        text = str(text)
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "backslashreplace")
    return data.decode("utf-8", "backslashreplace").replace("\0", "\\x00")


def write(text, level):
    """Write text to the error log of the current request (or server),
    one log line per line of text."""
    target = current.get()
    for line in _printable(text).rstrip("\n").split("\n"):
        if target is not None:
            try:
                target.log_error(line, level)
                continue
            except Exception:
                # the object outlived its request: use the server's log
                target = None
        _apache.log_error(line, level)


def bridged(dispatch):
    """Decorate a dispatcher taking (target, ...): while it runs, target is
    where logging, warnings and stderr of this thread go."""
    def run_with_target(target, *args):
        token = current.set(target)
        try:
            return dispatch(target, *args)
        finally:
            if _pending.text:
                flush_pending()
            current.reset(token)
    run_with_target.__name__ = dispatch.__name__
    run_with_target.__qualname__ = dispatch.__qualname__
    run_with_target.__doc__ = dispatch.__doc__
    run_with_target.__wrapped__ = dispatch
    return run_with_target


def flush_pending():
    text, _pending.text = _pending.text, ""
    write(text, _APLOG_ERR)


_logging_classes = {}


def _make_logging_classes(logging):
    """ApacheLogHandler and ApacheFormatter (they need logging)."""
    if _logging_classes:
        return _logging_classes

    class ApacheLogHandler(logging.Handler):
        """A logging handler writing to the Apache error log."""

        def __init__(self, level=logging.NOTSET):
            super().__init__(level)
            self.setFormatter(ApacheFormatter())

        def emit(self, record):
            try:
                write(self.format(record), apache_level(record.levelno))
            except Exception:
                self.handleError(record)

        def handleError(self, record):
            # logging's default prints to sys.stderr, which is us again
            try:
                _apache.log_error("mod_python: cannot log %r from logger %s"
                                  % (record.msg, record.name), _APLOG_ERR)
            except Exception:
                pass

    class ApacheFormatter(logging.Formatter):
        """'message', prefixed with 'logger: ' for loggers other than root.
        Apache adds the time, level, pid and client itself."""

        def format(self, record):
            text = super().format(record)
            if record.name != "root":
                text = "%s: %s" % (record.name, text)
            return text

    _logging_classes.update(ApacheLogHandler=ApacheLogHandler,
                            ApacheFormatter=ApacheFormatter)
    return _logging_classes


def __getattr__(name):
    """mod_python.logbridge.ApacheLogHandler / ApacheFormatter, made on
    first use so that importing this module does not import logging."""
    if name in ("ApacheLogHandler", "ApacheFormatter"):
        import logging
        return _make_logging_classes(logging)[name]
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


class ErrorLogStream(io.TextIOBase):
    """sys.stderr replacement: complete lines go to the error log."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, original=None):
        super().__init__()
        self._original = original

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s"
                            % type(text).__name__)
        buffered = _pending.text + text
        if "\n" not in buffered:
            _pending.text = buffered
            return len(text)
        complete, _, rest = buffered.rpartition("\n")
        _pending.text = rest
        write(complete, _APLOG_ERR)
        return len(text)

    def flush(self):
        if _pending.text:
            flush_pending()

    def isatty(self):
        return False

    def fileno(self):
        if self._original is not None:
            return self._original.fileno()
        raise io.UnsupportedOperation("fileno")


_installed = False

# logging's level numbers (fixed by the logging module's API)
_CRITICAL, _ERROR, _WARNING, _INFO, _NOTSET = 50, 40, 30, 20, 0


def _configure_logging(logging):
    """Attach the bridge to the root logger; route warnings through it."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(_make_logging_classes(logging)["ApacheLogHandler"]())
        if root.level == logging.WARNING:      # the default: not configured
            root.setLevel(logging.DEBUG)
    logging.captureWarnings(True)


class _LoggingImportHook:
    """A meta path finder that configures logging right after its first
    import, and then removes itself."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None \
                or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            _configure_logging(module)
        spec.loader.exec_module = exec_module
        return spec


def _showwarning(message, category, filename, lineno, file=None, line=None):
    """warnings.showwarning until logging is imported: what
    logging.captureWarnings would log, at warn level."""
    import warnings
    text = warnings.formatwarning(message, category, filename, lineno, line)
    write("py.warnings: " + text, _APLOG_WARNING)


def install(apache):
    """Bridge logging, warnings and stderr (once per interpreter).

    apache is the mod_python.apache module (for the APLOG_* constants).
    """
    global _installed, _APLOG_ERR, _APLOG_WARNING
    if _installed:
        return
    _installed = True
    _APLOG_ERR = apache.APLOG_ERR
    _APLOG_WARNING = apache.APLOG_WARNING
    _LEVELS[:] = [(_CRITICAL, apache.APLOG_CRIT),
                  (_ERROR, apache.APLOG_ERR),
                  (_WARNING, apache.APLOG_WARNING),
                  (_INFO, apache.APLOG_INFO),
                  (_NOTSET, apache.APLOG_DEBUG)]
    logging = sys.modules.get("logging")
    if logging is not None:
        _configure_logging(logging)
    else:
        import warnings
        warnings.showwarning = _showwarning
        sys.meta_path.insert(0, _LoggingImportHook())
    if not isinstance(sys.stderr, ErrorLogStream):
        sys.stderr = ErrorLogStream(sys.__stderr__)
