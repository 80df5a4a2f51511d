# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.testhandler: a page that shows how mod_python sees a request.

For a quick check of an installation, as in mod_python 3.5::

    <Location /mpinfo>
        SetHandler mod_python
        PythonHandler mod_python.testhandler
        Require ip 127.0.0.1
    </Location>

``/mpinfo`` shows the Apache and Python versions, the MPM, the
interpreter, ``sys.path``, the request's headers, environment, options
and notes, the server's configuration and the configuration tree;
``/mpinfo?view_log=1`` shows the last 100 lines of the error log.  It
tells a visitor a lot about the server: restrict it (``Require``) and
remove it once the check is done.  Every value is HTML-escaped.
"""

import html
import os
import sys

from mod_python import apache, util

LOG_LINES = 100
LOG_TAIL_BYTES = 256 * 1024     # read at most this much of the log's end


def handler(req):
    form = util.FieldStorage(req)
    if form.getfirst("view_log"):
        return _send_log(req)
    req.add_common_vars()
    req.content_type = "text/html; charset=utf-8"
    parts = ["<!DOCTYPE html>\n<html><head><title>mod_python test page"
             "</title></head><body>\n<h3>General information</h3>\n"]
    parts.append(_table(_general(req), header=False))
    sections = (
        ("Request input headers", req.headers_in),
        ("Request environment", req.subprocess_env),
        ("Request configuration", req.get_config()),
        ("Request options", req.get_options()),
        ("Request notes", req.notes),
        ("Server configuration", req.server.get_config()),
        ("Server options", _server_options(req)),
    )
    for title, table in sections:
        parts.append("<h3>%s</h3>\n" % title)
        parts.append(_table(table.items()))
    parts.append("<h3>Server configuration tree</h3>\n<pre>")
    parts.append(_escape("".join(_tree_lines(apache.config_tree(), 0))))
    parts.append("</pre>\n</body></html>\n")
    req.write("".join(parts))
    return apache.OK


def _escape(value):
    return html.escape(str(value), quote=True)


def _table(rows, header=True):
    parts = ['<table border="1">\n']
    if header:
        parts.append("<tr><th>Key</th><th>Value</th></tr>\n")
    for key, value in rows:
        cell = (value if isinstance(value, _Markup)
                else "<code>%s</code>" % _escape(value))
        parts.append("<tr><td><code>%s</code></td><td>%s</td></tr>\n"
                     % (_escape(key), cell))
    parts.append("</table>\n")
    return "".join(parts)


class _Markup(str):
    """A table cell that is HTML already."""


def _general(req):
    threaded = apache.mpm_query(apache.AP_MPMQ_IS_THREADED)
    forked = apache.mpm_query(apache.AP_MPMQ_IS_FORKED)
    rows = [
        ("Apache version", req.subprocess_env.get("SERVER_SOFTWARE")),
        ("Apache threaded MPM",
         "Yes, maximum %d threads / process"
         % apache.mpm_query(apache.AP_MPMQ_MAX_THREADS)
         if threaded else "No (single thread MPM)"),
        ("Apache forked MPM",
         "Yes, maximum %d processes"
         % apache.mpm_query(apache.AP_MPMQ_MAX_DAEMONS)
         if forked else "No (single process MPM)"),
        ("Apache server root", apache.server_root()),
        ("Apache document root", req.document_root()),
    ]
    log = _log_file(req)
    if log:
        rows.append(("Apache error log", _Markup(
            '<code>%s</code> (<a href="?view_log=1">view last %d lines'
            '</a>)' % (_escape(log), LOG_LINES))))
    else:
        rows.append(("Apache error log", req.server.error_fname or "None"))
    rows += [
        ("mod_python version", apache.version),
        ("Python sys.version", sys.version),
        ("Python sys.path", _Markup("<pre>%s</pre>"
                                    % _escape("\n".join(sys.path)))),
        ("Python interpreter name", req.interpreter),
        ("mod_python.publisher available", _available("publisher")),
        ("mod_python.psp available", _available("psp")),
    ]
    return rows


def _available(name):
    import importlib.util
    try:
        found = importlib.util.find_spec("mod_python." + name)
    except (ImportError, ValueError):
        found = None
    return "Yes" if found is not None else "No"


def _server_options(req):
    get_options = getattr(req.server, "get_options", None)
    return get_options() if get_options is not None else {}


def _tree_lines(tree, level):
    for entry in tree:
        if isinstance(entry, list):
            yield from _tree_lines(entry, level + 1)
        else:
            yield "    " * level + " ".join(str(part) for part in entry
                                            if part is not None) + "\n"


def _log_file(req):
    """The error log's path if it is a plain file (not a pipe or syslog)."""
    name = req.server.error_fname
    main_server = getattr(apache, "main_server", None)
    if not name and main_server is not None:
        name = main_server.error_fname      # a virtual host without its own
    if not name or name.startswith(("|", "syslog")):
        return None
    path = os.path.join(apache.server_root(), name)
    return path if os.path.isfile(path) else None


def _send_log(req):
    """The last LOG_LINES lines of the error log, as text."""
    path = _log_file(req)
    req.content_type = "text/plain; charset=utf-8"
    req.headers_out["X-Content-Type-Options"] = "nosniff"
    if path is None:
        req.write("no error log file to show\n")
        return apache.OK
    with open(path, "rb") as log:
        size = log.seek(0, os.SEEK_END)
        log.seek(max(0, size - LOG_TAIL_BYTES))
        lines = log.read().splitlines(True)
    if size > LOG_TAIL_BYTES:
        lines = lines[1:]       # the first one is cut
    req.write(b"".join(lines[-LOG_LINES:]))
    return apache.OK
