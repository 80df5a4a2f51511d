"""Handlers for test_api_apache.py: the functions and constants of the
mod_python.apache module."""

import os
import sys
import time

import apitest
from mod_python import apache

HERE = os.path.dirname(os.path.abspath(__file__))
VAR = os.path.join(HERE, "..", "..", "..", "var")


def handler(req):
    return apitest.dispatch(req, globals())


CONSTANT_PREFIXES = ("HTTP_", "APLOG_", "M_", "REMOTE_", "PROXYREQ_",
                     "FINFO_", "URI_", "APR_", "AP_MPMQ_", "AP_REQ_")


def t_constants(req):
    names = [name for name in dir(apache)
             if name in ("OK", "DECLINED", "DONE", "METHODS")
             or name.startswith(CONSTANT_PREFIXES)]
    return {name: getattr(apache, name) for name in names}


def t_log(req):
    token = req.args
    server = req.server
    req.log_error("%s req-info" % token, apache.APLOG_INFO)
    req.log_error("%s req-warning" % token, apache.APLOG_WARNING)
    req.log_error("%s req-default" % token)
    server.log_error("%s server-notice" % token, apache.APLOG_NOTICE)
    server.log_error("%s server-debug" % token, apache.APLOG_DEBUG)
    apache.log_error("%s module-server-debug" % token, apache.APLOG_DEBUG,
                     server)
    apache.log_error("%s module-server-err" % token, apache.APLOG_ERR, server)
    apache.log_error("%s main-info" % token, apache.APLOG_INFO)
    apache.log_error("%s main-debug" % token, apache.APLOG_DEBUG)
    apache.log_error(message="%s main-keywords" % token,
                     level=apache.APLOG_WARNING)
    req.log_error("%s undecodable-\udcff-byte" % token, apache.APLOG_ERR)
    req.log_error(("%s as-bytes-\xe9" % token).encode("latin-1"),
                  apache.APLOG_ERR)
    return {
        "nul": apitest.attempt(req.log_error, "a\0b"),
        "int": apitest.attempt(apache.log_error, 42),
        "bad_server": apitest.attempt(apache.log_error, "x",
                                      apache.APLOG_ERR, "not a server"),
        "error_fname": server.error_fname,
        "loglevel": server.loglevel,
    }


def t_config_tree(req):
    return apache.config_tree()


def t_server_root(req):
    return apache.server_root()


def t_mpm(req):
    return {
        "name": apache.mpm_name(),
        "threaded": apache.mpm_query(apache.AP_MPMQ_IS_THREADED),
        "forked": apache.mpm_query(apache.AP_MPMQ_IS_FORKED),
        "max_threads": apache.mpm_query(apache.AP_MPMQ_MAX_THREADS),
        "state": apache.mpm_query(apache.AP_MPMQ_MPM_STATE),
        "unknown": apitest.attempt(apache.mpm_query, 9999),
    }


def t_define(req):
    return {
        "FOREGROUND": apache.exists_config_define("FOREGROUND"),
        "NO_SUCH_DEFINE": apache.exists_config_define("NO_SUCH_DEFINE"),
    }


def finfo_dict(finfo):
    fields = ("mode", "inode", "device", "nlink", "user", "group", "size",
              "atime", "mtime", "ctime", "fname", "name", "filetype",
              "protection", "valid", "st_mode", "st_size", "st_mtime")
    result = {field: getattr(finfo, field) for field in fields}
    result["tuple"] = list(finfo)
    return result


def t_stat(req):
    return {
        "file": finfo_dict(apache.stat(os.path.join(HERE, "file.txt"))),
        "dir": finfo_dict(apache.stat(HERE)),
        "min": finfo_dict(apache.stat(os.path.join(HERE, "file.txt"),
                                      apache.APR_FINFO_MIN)),
        "missing": finfo_dict(apache.stat(os.path.join(HERE, "missing"))),
        "denied": apitest.attempt(apache.stat, "/proc/1/root/x"),
        "nul": apitest.attempt(apache.stat, "a\0b"),
    }


def t_file_txt(req):
    """req.finfo of a request for an existing file."""
    return finfo_dict(req.finfo)


def t_finfo_assign(req):
    before = req.finfo.filetype
    req.filename = os.path.join(HERE, "file.txt")
    req.finfo = apache.stat(req.filename)
    after = finfo_dict(req.finfo)
    wrong = apitest.attempt(setattr, req, "finfo", (1, 2, 3))
    req.finfo = None
    cleared = req.finfo.filetype
    return {"before": before, "after": after, "wrong": wrong,
            "cleared": cleared}


def write_module(directory, name, text, mtime):
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as module:
        module.write(text)
    os.utime(path, (mtime, mtime))


def t_import(req):
    steps = {}
    directory = os.path.join(VAR, "modules-%d" % os.getpid())
    os.makedirs(directory, exist_ok=True)
    name = "apireload_%d_%d" % (os.getpid(), int(time.time() * 1000))
    body = ("import sys\n"
            "sys.apitest_execs = getattr(sys, 'apitest_execs', 0) + 1\n"
            "VALUE = %d\n")
    now = time.time()
    write_module(directory, name, body % 1, now - 100)
    first = apache.import_module(name, path=[directory])
    execs = sys.apitest_execs
    steps["first"] = first.VALUE
    steps["file_in_path"] = (os.path.dirname(first.__file__)
                             == os.path.normpath(directory))
    again = apache.import_module(name, path=[directory])
    steps["unchanged_same_object"] = again is first
    steps["unchanged_not_executed"] = sys.apitest_execs == execs
    write_module(directory, name, body % 2, now - 50)
    steps["no_autoreload"] = apache.import_module(
        name, autoreload=0, path=[directory]).VALUE
    steps["changed"] = apache.import_module(name, path=[directory],
                                            log=1).VALUE
    steps["changed_executed"] = sys.apitest_execs == execs + 1
    steps["name"] = name

    other = apache.import_module("apipathmod",
                                 path=[os.path.join(HERE, "importable")])
    steps["path_module"] = other.WHERE
    steps["missing"] = apitest.attempt(apache.import_module,
                                       "no_such_module_at_all")
    return steps


def t_table(req):
    empty = apache.table()
    from_dict = apache.table({"A": "1", "b": "2"})
    from_pairs = apache.make_table([("x", "1"), ("X", "2")])
    return {
        "same_type": apache.make_table is apache.table,
        "empty": len(empty),
        "from_dict": sorted(from_dict.items()),
        "from_pairs": from_pairs["x"],
        "kwargs": sorted(apache.table(k="v").items()),
    }


def t_server_return(req):
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


def t_server_return_pair(req):
    raise apache.SERVER_RETURN(apache.OK, apache.HTTP_CREATED)


def t_allow(req):
    apache.allow_methods(req, apache.M_GET, apache.M_PUT, "FOO")
    if req.args == "bad":
        return apitest.attempt(apache.allow_methods, req, 99)
    return apache.HTTP_METHOD_NOT_ALLOWED
