"""Handlers for test_compat35.py: the 3.3-3.5 directives and API."""

import os
import sys

import apitest
from mod_python import apache


def handler(req):
    return apitest.dispatch(req, globals())


# ---------------------------------------------------------- PythonOption

def t_options(req):
    server_options = req.server.get_options()
    server_options["written-by-handler"] = "1"
    return {
        "request": sorted(req.get_options().items()),
        "server": sorted((key, value) for key, value
                         in req.server.get_options().items()
                         if key != "written-by-handler"),
        "server_same_table": "written-by-handler" in req.server.get_options(),
        "main_server": sorted(apache.main_server.get_options().items()),
    }


# ------------------------------------------------- the apache module, sys

def t_argv(req):
    return {"argv": sys.argv, "interpreter": req.interpreter,
            "version": sys.version.split()[0]}


def t_attributes(req):
    conn = req.connection
    return {
        "interpreter": apache.interpreter,
        "req_interpreter": req.interpreter,
        "main_server_type": type(apache.main_server).__name__,
        "main_server_virtual": apache.main_server.is_virtual,
        "magic": [apache.MODULE_MAGIC_NUMBER_MAJOR,
                  apache.MODULE_MAGIC_NUMBER_MINOR],
        "client_ip": conn.client_ip,
        "client_addr": list(conn.client_addr),
        "remote_ip": conn.remote_ip,
        "useragent_ip": req.useragent_ip,
        "useragent_addr": list(req.useragent_addr),
        "mpm_threaded": apache.mpm_query(apache.AP_MPMQ_IS_THREADED),
        "register_cleanup_not_callable": apitest.attempt(
            apache.register_cleanup, 42),
    }


def at_exit(path):
    with open(path, "a") as out:
        out.write("apache.register_cleanup ran in %d\n" % os.getpid())


def t_exit_cleanup(req):
    apache.register_cleanup(at_exit, req.args)
    return {"pid": os.getpid()}


def t_auth(req):
    password = req.get_basic_auth_pw()
    return {"user": req.user, "password": password}


# ------------------------------------------------------------ req.hlist

def t_hlist(req):
    hlist = req.hlist
    seen = [[hlist.handler, hlist.directory, hlist.silent, hlist.is_location,
             hlist.is_input, hlist.parent]]
    hlist.next()
    seen.append([hlist.handler, hlist.directory])
    hlist.next()
    seen.append([hlist.handler, hlist.directory, hlist.silent])
    req.hlist_seen = seen
    return apache.OK


def hlist_second(req):
    apitest.send_json(req, {"seen": req.hlist_seen,
                            "now": req.hlist.handler})
    return apache.OK


def files_directive(req):
    req.content_type = "text/plain"
    req.write(str(req.hlist.directory))
    return apache.OK


# ------------------------------------------------------- req.add_handler

def t_add_bad(req):
    req.write("added ")
    req.add_handler("PythonHandler", "compat::bad_handler")
    return apache.OK


def t_add_empty(req):
    return {"empty": apitest.attempt(req.add_handler, "PythonHandler", ""),
            "phase": apitest.attempt(req.add_handler, "PythonNoSuchHandler",
                                     "compat")}


def add_content_from_fixup(req):
    here = os.path.dirname(os.path.abspath(__file__))
    req.add_handler("PythonHandler", "compat::added_content",
                    os.path.join(here, "addphase", "."))
    return apache.OK


def added_content(req):
    apitest.send_json(req, {"phase": req.phase,
                            "directory": req.hlist.directory,
                            "handler": req.hlist.handler})
    return apache.OK


def access_adds_content(req):
    req.secret = "from the access handler"
    req.add_handler("PythonHandler", "compat::content_after_access")
    return apache.OK


def content_after_access(req):
    req.content_type = "text/plain"
    req.write("content: " + req.secret)
    return apache.OK


# ------------------------------------------------------ statuses, None

none_handler = None


def fixup_declines(req):
    req.notes["chain"] = req.notes.get("chain", "") + "declines,"
    return apache.DECLINED


def fixup_ok(req):
    req.notes["chain"] = req.notes.get("chain", "") + "ok,"
    return apache.OK


def report_chain(req):
    req.content_type = "text/plain"
    req.write(req.notes.get("chain", ""))
    return apache.OK


# ------------------------------------------------------------------ SSI

def ssi_globals(req):
    req.ssi_globals = {"data": "test"}
    return apache.OK


# ------------------------------------------------------------- | .ext

def _pipe(req, text):
    req.content_type = "text/plain"
    req.write(text + ";")
    return apache.OK


def pipe_py(req):
    return _pipe(req, "py")


def pipe_gz(req):
    return _pipe(req, "gz")


def pipe_plain(req):
    return _pipe(req, "plain")


def t_hlist_added(req):
    req.add_handler("PythonHandler", "compat::quiet")
    hlist, seen = req.hlist, []
    while hlist.handler is not None:
        seen.append(hlist.handler)
        hlist.next()
    return {"seen": seen, "repr": repr(req.hlist)}


def quiet(req):
    return apache.OK
