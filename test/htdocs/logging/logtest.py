"""Handlers for test_logging.py: Python logging, warnings and stderr."""

import logging
import sys
import threading
import warnings

from mod_python import apache

log = logging.getLogger("mp.logtest")


def _tag(req):
    return req.args or "none"


def levels(req):
    """logging at every level through the root logger."""
    tag = _tag(req)
    logging.debug("root-debug %s", tag)
    logging.info("root-info %s", tag)
    logging.warning("root-warning %s", tag)
    logging.error("root-error %s", tag)
    logging.critical("root-critical %s", tag)
    req.content_type = "text/plain"
    req.write("logged")
    return apache.OK


def named(req):
    """A named logger: its name prefixes the message."""
    log.warning("named-warning %s", _tag(req))
    req.write("logged")
    return apache.OK


def exception(req):
    """logger.exception: the traceback lines follow the message."""
    try:
        {}["missing-key-" + _tag(req)]
    except KeyError:
        log.exception("caught %s", _tag(req))
    req.write("logged")
    return apache.OK


def stderr(req):
    """print to sys.stderr, in pieces, and a partial last line."""
    tag = _tag(req)
    print("stderr-line", tag, file=sys.stderr)
    sys.stderr.write("stderr-two-")
    sys.stderr.write("parts %s\nstderr-unterminated %s" % (tag, tag))
    req.write("printed")
    return apache.OK


def warn(req):
    """warnings.warn with a message unique to the request."""
    warnings.warn("warned-%s" % _tag(req), UserWarning)
    req.write("warned")
    return apache.OK


def surrogates(req):
    """Text that is not valid UTF-8 (a lone surrogate) and a NUL."""
    logging.warning("odd-\udce9-\0-%s", _tag(req))
    req.write("logged")
    return apache.OK


def thread(req):
    """A thread started by the handler has no request: server log."""
    tag = _tag(req)
    worker = threading.Thread(target=logging.error,
                              args=("thread-error %s", tag))
    worker.start()
    worker.join()
    req.write("logged")
    return apache.OK


def outputfilter(filter):
    """An output filter logging through the request it filters."""
    data = filter.read()
    while data:
        filter.write(data)
        data = filter.read()
    if data is None:
        logging.warning("filter-warning %s", filter.req.args)
        filter.close()


def dispatch(req):
    """PythonHandler logtest::dispatch: /<name> runs the function name."""
    name = req.uri.rsplit("/", 1)[-1]
    if name not in ("levels", "named", "exception", "stderr", "warn",
                    "surrogates", "thread", "text"):
        return apache.HTTP_NOT_FOUND
    if name == "text":
        req.content_type = "text/plain"
        req.write("filtered " + _tag(req))
        return apache.OK
    return globals()[name](req)
