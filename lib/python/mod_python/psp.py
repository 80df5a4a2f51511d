# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.psp: Python Server Pages.

A page is text with Python inside::

    <% code %>          statements
    <%= expression %>   the expression's str() goes to the output
    <%@ include file="other.psp" %>   the other page's text, in place
    <%-- comment --%>   left out

It is turned into Python code (``parse``/``parsestring``), compiled
once and kept in a per-interpreter cache keyed by the (path, mtime) of
the page and of every file it includes.  ``PythonHandler mod_python.psp``
serves ``.psp`` files; ``PSP(req, filename=...)`` renders templates from
any handler.  Doc/psp.rst describes the syntax and its indentation rules.
"""

import builtins
import collections
import os
import sys
import threading

from mod_python import apache
from mod_python._psp import (PSPParseError, _compile_file,
                              _compile_string, _decode, parse,
                              parsestring)

__all__ = ["PSP", "PSPInterface", "PSPParseError", "parse", "parsestring",
           "handler"]

# At most this many compiled pages (and as many compiled strings) per
# interpreter, least recently used first out; PythonOption
# mod_python.psp.cache_size changes it for the interpreter.
CACHE_SIZE = 512


class _LRU:
    """A thread-safe least-recently-used mapping of at most size items."""

    def __init__(self, size):
        self.size = size
        self.items = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        # no lock: each OrderedDict call is atomic under the GIL; a put()
        # evicting key between the two is the only race
        value = self.items.get(key)
        if value is not None:
            try:
                self.items.move_to_end(key)
            except KeyError:
                pass
        return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > max(self.size, 1):
                self.items.popitem(last=False)

    def __len__(self):
        return len(self.items)


_files = _LRU(CACHE_SIZE)
_strings = _LRU(CACHE_SIZE)


def _configure_cache(req):
    value = req.get_options().get("mod_python.psp.cache_size")
    if value is not None:
        try:
            size = int(value)
        except ValueError:
            size = 0
        if size < 1:
            req.log_error("mod_python.psp: MP06004: ignoring "
                          "mod_python.psp.cache_size %r (not a positive "
                          "integer)" % value, apache.APLOG_WARNING)
            return
        _files.size = _strings.size = size


def _load_file(req, path):
    """The compiled page at path, parsed again if it or an include
    changed (not checked with PythonAutoReload Off); SERVER_RETURN(404)
    if there is no such file."""
    compiled = _files.get(path)
    if compiled is not None and (not req._autoreload or compiled.current()):
        return compiled
    if not os.path.isfile(path):
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    _configure_cache(req)
    compiled = _compile_file(path)
    _files.put(path, compiled)
    return compiled


def _load_string(text):
    compiled = _strings.get(text)
    if compiled is None:
        compiled = _compile_string(text)
        _strings.put(text, compiled)
    return compiled


class PSPInterface:
    """The ``psp`` object a page sees."""

    def __init__(self, req, filename, form):
        self.req = req
        self.filename = filename
        self.form = form
        self.error_page = None

    def set_error_page(self, page):
        """Run the page named page (absolute: under the document root;
        relative: next to this page) if this page raises; it sees the
        exception as ``exception`` (the sys.exc_info() triple)."""
        if page.startswith("/"):
            path = self.req.document_root().rstrip("/") + page
        else:
            path = os.path.join(os.path.dirname(self.filename or ""), page)
        self.error_page = PSP(self.req, filename=path)

    def apply_data(self, object, **kw):
        """Call object with the form fields as keyword arguments."""
        if self.form is None:
            self.form = _form(self.req)
        kw.setdefault("req", self.req)
        return _util().apply_fs_data(object, self.form, **kw)

    def redirect(self, location, permanent=0):
        """Redirect the client (301 if permanent, else 302); ends the
        page.  Only before any output was sent."""
        _util().redirect(self.req, location, permanent)


def _util():
    """mod_python.util, imported when a page needs it (its imports cost
    every child memory)."""
    from mod_python import util
    return util


def _form(req):
    form = getattr(req, "form", None)
    if form is None:
        form = _util().FieldStorage(req, keep_blank_values=1)
        req.form = form
    return form


def _session(req):
    session = getattr(req, "session", None)
    if session is not None:
        return session, False
    try:
        from mod_python import Session
    except ImportError as error:
        req.log_error("mod_python.psp: MP06003: %s uses session, but "
                      "sessions are not available (mod_python.Session: %s)"
                      % (req.filename, error), apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)
    req.session = Session.Session(req)
    return req.session, True


class PSP:
    """A page (a file, or text given as string) compiled once, run with
    run(); display_code() shows its generated code beside its source."""

    def __init__(self, req, filename=None, string=None, vars={}):
        if filename is not None and string is not None:
            raise ValueError("give either filename or string, not both")
        self.req = req
        self.vars = vars
        self.string = string
        if string is None:
            if filename is None:
                filename = req.filename
            elif not os.path.isabs(filename):
                filename = os.path.join(os.path.dirname(req.filename),
                                        filename)
        self.filename = filename
        if string is not None:
            self.compiled = _load_string(string)
        else:
            self.compiled = _load_file(req, filename)
        self.code = self.compiled.code

    @classmethod
    def _page(cls, req, filename, compiled):
        """PSP(req, filename) for a page already loaded (the handler's
        path: none of __init__'s checks apply to req.filename)."""
        self = cls.__new__(cls)
        self.req, self.vars, self.string = req, {}, None
        self.filename, self.compiled = filename, compiled
        self.code = compiled.code
        return self

    def run(self, vars={}, flush=0):
        """Execute the page; vars (then those given to PSP()) are its
        globals besides req, psp, form and session."""
        req, names = self.req, self.compiled.names
        form = _form(req) if "form" in names else None
        session, own_session = (_session(req) if "session" in names
                                else (None, False))
        psp = PSPInterface(req, self.filename, form)
        scope = {"__builtins__": builtins, "__name__": "__psp__",
                 "__file__": self.filename, "apache": apache, "os": os,
                 "sys": sys,
                 "req": req, "psp": psp, "form": form, "session": session}
        if "util" in names:
            scope["util"] = _util()
        if self.vars:
            scope.update(self.vars)
        if vars:
            scope.update(vars)
        try:
            try:
                self.compiled.run(scope)
            except apache.SERVER_RETURN:
                raise
            except Exception:
                if psp.error_page is None:
                    self._log_error_line(sys.exc_info()[2])
                    raise
                psp.error_page.run({"exception": sys.exc_info()}, flush)
            if flush:
                req.flush()
            if own_session:
                session.save()
        finally:
            if own_session:
                session.unlock()
                del req.session

    def _log_error_line(self, traceback):
        """Log the page line where the exception left the page's code."""
        lineno = None
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename \
                    == self.code.co_filename:
                lineno = traceback.tb_lineno
            traceback = traceback.tb_next
        if lineno is not None:
            filename, line = self.compiled.origin(lineno)
            self.req.log_error("mod_python.psp: MP06002: exception in %s "
                               "line %s" % (filename, line),
                               apache.APLOG_ERR)

    def __str__(self):
        self.req.content_type = "text/html; charset=utf-8"
        self.run()
        return ""

    def display_code(self):
        """Write an HTML table: each generated Python line, numbered,
        beside the page line it came from."""
        import html
        req, compiled = self.req, self.compiled
        sources = {}

        def page_line(filename, line):
            if filename not in sources:
                try:
                    with open(filename, "rb") as page:
                        sources[filename] = _decode(
                            page.read(), filename).split("\n")
                except (OSError, PSPParseError, TypeError):
                    sources[filename] = []
            lines = sources[filename]
            return lines[line - 1] if 0 < line <= len(lines) else ""

        def cell(text):
            return html.escape(text.expandtabs(4)).replace(" ", "&nbsp;")

        out = ["<table class=\"psp-code\">\n<tr><th></th>"
               "<th>Python code generated by PSP</th><th>%s</th></tr>\n"
               % html.escape(str(self.filename or "<string>"))]
        for number, line in enumerate(compiled.source.split("\n")[:-1], 1):
            filename, origin = compiled.origin(number)
            source = page_line(filename, origin) if self.string is None \
                else (self.string.split("\n")[origin - 1]
                      if 0 < origin <= self.string.count("\n") + 1 else "")
            where = "%d" % origin if filename == self.filename \
                else "%s:%d" % (os.path.basename(str(filename)), origin)
            out.append("<tr><td>%d</td><td><tt>%s</tt></td>"
                       "<td><tt>%s&nbsp;%s</tt></td></tr>\n"
                       % (number, cell(line), html.escape(where),
                          cell(source)))
        out.append("</table>\n")
        req.write("".join(out), 0)


def _debug(req):
    return req.get_config().get("PythonDebug", "0") != "0"


def _source_view_target(req):
    """For a URL ending in .psp_ with PythonDebug On: the page whose code
    to show, if Apache would serve that page's own URL (its <Files>,
    <Location>, authentication all apply); None otherwise."""
    filename, uri = req.filename, req.uri
    if not (filename.endswith("_") and uri.endswith("_")) or req.path_info:
        return None
    page = filename[:-1]
    if os.path.isfile(filename) or not os.path.isfile(page):
        return None
    status, mapped = req._lookup_uri_access(uri[:-1])
    if status != apache.HTTP_OK or mapped is None \
            or os.path.realpath(mapped) != os.path.realpath(page):
        req.log_error("mod_python.psp: MP06005: not showing the code of %s:"
                      " Apache would not serve %s (%d)"
                      % (page, uri[:-1], status), apache.APLOG_INFO)
        # the subrequest's challenge, copied for the publisher's 401: the
        # view's 404 must not ask for the page's password
        if "WWW-Authenticate" in req.err_headers_out:
            del req.err_headers_out["WWW-Authenticate"]
        return None
    return page


def handler(req):
    """PythonHandler mod_python.psp: run the .psp page req.filename; with
    PythonDebug On, page.psp_ shows the code generated for page.psp."""
    req.content_type = "text/html; charset=utf-8"
    filename = req.filename
    if filename[-1:] == "_" and not os.path.isfile(filename):
        page = _source_view_target(req) if _debug(req) else None
        if page is None:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        _parse_logged(req, page).display_code()
        return apache.OK
    # the common case, a page compiled before and (with PythonAutoReload
    # On) unchanged since, without PSP.__init__'s checks
    compiled = _files.get(filename)
    if compiled is not None and (not req._autoreload or compiled.current()):
        PSP._page(req, filename, compiled).run()
    else:
        _parse_logged(req, filename).run()
    return apache.OK


def _parse_logged(req, filename):
    try:
        return PSP(req, filename=filename)
    except PSPParseError as error:
        req.log_error("mod_python.psp: MP06001: %s" % error,
                      apache.APLOG_ERR)
        raise
