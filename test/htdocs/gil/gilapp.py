"""Handlers of test_interpreter_gil.py: what an interpreter's GIL is, and
whether two interpreters run Python at the same moment."""

import json
import mmap
import os
import sys
import time

from mod_python import apache


def _config_gil():
    """'own' or 'shared' as CPython tells it (3.13's _interpreters), or
    None where it cannot tell."""
    try:
        import _interpreters
    except ImportError:
        return None
    return _interpreters.get_config(_interpreters.get_current()[0]).gil


def info(req):
    """The embedded Python's facts as JSON."""
    import sysconfig
    from importlib import machinery
    req.content_type = "application/json"
    req.write(json.dumps({
        "version": list(sys.version_info[:2]),
        "interpreter": req.interpreter,
        "gil": _config_gil(),
        "include": sysconfig.get_paths()["include"],
        "suffix": machinery.EXTENSION_SUFFIXES[0],
        "pid": os.getpid(),
    }))
    return apache.OK


def _flags(req):
    path = req.get_options()["gil.flags"]
    handle = open(path, "r+b")
    return handle, mmap.mmap(handle.fileno(), 2)


def first(req):
    """Raise flag 0, then spin in pure Python, holding this interpreter's
    GIL without a pause (the switch interval is made huge), until flag 1
    is up or the deadline passes.  Only a second interpreter running
    Python at the same moment, on a GIL of its own, can raise flag 1 in
    time: one sharing this GIL waits for it until the spin is over."""
    handle, flags = _flags(req)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        flags[0] = 1
        deadline = time.monotonic() + float(req.args or "3")
        while flags[1] == 0 and time.monotonic() < deadline:
            pass
        seen = flags[1] == 1
    finally:
        sys.setswitchinterval(interval)
        flags.close()
        handle.close()
    req.write("overlap" if seen else "alone")
    return apache.OK


def second(req):
    """Wait (sleeping, GIL released) for flag 0, then raise flag 1."""
    handle, flags = _flags(req)
    try:
        deadline = time.monotonic() + 10
        while flags[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        flags[1] = 1
    finally:
        flags.close()
        handle.close()
    req.write("raised")
    return apache.OK


def import_single(req):
    """Import the single-phase extension module the test built."""
    sys.path.insert(0, req.get_options()["gil.extdir"])
    try:
        import singlephase
    except ImportError as error:
        req.write("ImportError: %s" % error)
    else:
        req.write("answer %d" % singlephase.answer)
    finally:
        del sys.path[0]
    return apache.OK


def handler(req):
    """/<location>/<function>: run that function of this module."""
    function = {"info": info, "first": first, "second": second,
                "import": import_single}.get(os.path.basename(req.uri))
    if function is None:
        return apache.HTTP_NOT_FOUND
    return function(req)
