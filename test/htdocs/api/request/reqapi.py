"""Handlers for test_api_request.py: the request methods (manual 4.5.3
and the 3.x additions)."""

import os

import apitest
from mod_python import apache

HERE = os.path.dirname(os.path.abspath(__file__))
VAR = os.path.join(HERE, "..", "..", "..", "var")
DATA = os.path.join(HERE, "data.bin")
FIXED_MTIME = 1000000000.0          # 2001-09-09T01:46:40Z


def handler(req):
    return apitest.dispatch(req, globals())


def fixuphandler(req):
    if req.uri == "/add-handler":
        req.add_handler("PythonHandler", "reqapi::added")
        req.fixup_bad_add = apitest.attempt(req.add_handler, "PythonNothing",
                                            "reqapi::added")
    return apache.OK


def added(req):
    req.write("added;")
    return apache.OK


def t_add_handler(req):
    req.write("configured;")
    return apache.OK


def t_add_handler_errors(req):
    return {
        "unknown": apitest.attempt(req.add_handler, "PythonNothing", "x"),
        "cleanup": apitest.attempt(req.add_handler, "PythonCleanupHandler",
                                   "x"),
        "empty": apitest.attempt(req.add_handler, "PythonHandler", ""),
    }


def t_common_vars(req):
    before = "SERVER_SOFTWARE" in req.subprocess_env
    req.add_common_vars()
    env = req.subprocess_env
    return {"before": before, "after": "SERVER_SOFTWARE" in env,
            "header": env.get("HTTP_X_API"), "remote": env.get("REMOTE_ADDR"),
            "document_root": env.get("DOCUMENT_ROOT")}


def t_cgi_vars(req):
    req.add_cgi_vars()
    env = req.subprocess_env
    return {name: env.get(name) for name in
            ("QUERY_STRING", "REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME",
             "PATH_INFO", "GATEWAY_INTERFACE")}


def t_allow(req):
    req.allow_methods(["GET", "FROB"])
    req.allow_methods("PUT")
    if req.args == "reset":
        req.allow_methods(["POST"], 1)
    return apache.HTTP_METHOD_NOT_ALLOWED


def t_allowed_members(req):
    req.allow_methods(["GET", "POST", "FROB"])
    return {"allowed": req.allowed, "allowed_methods": req.allowed_methods,
            "allowed_xmethods": req.allowed_xmethods,
            "bad": apitest.attempt(req.allow_methods, 42)}


def t_document_root(req):
    return req.document_root()


def t_basic_auth(req):
    return {"password": req.get_basic_auth_pw(), "user": req.user}


def t_config(req):
    config = req.get_config()
    return {"config": dict(config), "type": type(config).__name__}


def t_options(req):
    options = req.get_options()
    options["written"] = "only in the copy"
    return {"options": dict(options),
            "fresh": "written" in req.get_options(),
            "server": dict(req.server.get_options())}


def t_remote_host(req):
    return {
        "default": req.get_remote_host(),
        "nolookup": req.get_remote_host(apache.REMOTE_NOLOOKUP),
        "host": req.get_remote_host(apache.REMOTE_HOST),
        "name_ip": req.get_remote_host(apache.REMOTE_NAME, 1),
        "nolookup_none": req.get_remote_host(apache.REMOTE_NOLOOKUP, None),
        "double_rev": req.get_remote_host(apache.REMOTE_DOUBLE_REV),
        "bad_type": apitest.attempt(req.get_remote_host, 17),
    }


def t_redirect(req):
    req.internal_redirect("/redirected/more?x=1")
    # back here once the redirected request is done
    req.log_error("api redirect: next.uri=%s next.prev is req: %s"
                  % (req.next.uri, req.next.prev is req), apache.APLOG_NOTICE)
    return apache.OK


def t_redirected(req):
    prev = req.prev
    return {"uri": req.uri, "args": req.args,
            "prev_uri": prev.uri if prev else None,
            "prev_next_is_me": prev is not None and prev.next is req,
            "main": req.main,
            "prev_attribute": getattr(prev, "marker", None)}


def t_redirect_marked(req):
    req.marker = "set before the redirect"
    req.internal_redirect("/redirected")
    return apache.OK


def cleanup(path):
    with open(path, "a") as trace:
        trace.write("cleanup ran\n")


def failing_cleanup(data):
    raise RuntimeError("cleanup failure %s" % data)


def t_cleanup(req):
    path = os.path.join(VAR, req.args)
    req.register_cleanup(failing_cleanup, req.args)
    req.register_cleanup(cleanup, path)
    return {"not_callable": apitest.attempt(req.register_cleanup, 42)}


def t_write(req):
    req.content_type = "application/octet-stream"
    req.write(b"bytes;")
    req.write("str-\u00e9;")
    req.write("raw-\udcff;")
    req.write(bytearray(b"bytearray;"), flush=False)
    req.write(memoryview(b"memoryview;"), 0)
    req.write(data=b"kw;", flush=[])
    req.write(b"flushkw;", flush=1)
    req.flush()
    try:
        req.write(42)
    except TypeError:
        req.write(b"TypeError")
    # bad argument lists: each a TypeError naming the problem
    for args, kwargs in (((), {}), ((b"x", 0, 1), {}), ((b"x",), {"bad": 1}),
                         ((b"x",), {"data": b"y"}),
                         ((b"x", 0), {"flush": 1})):
        try:
            req.write(*args, **kwargs)
        except TypeError as error:
            req.write(";TypeError(%s)" % ("argument" in str(error)))
    return apache.OK


def t_content_length(req):
    req.content_type = "text/plain"
    req.set_content_length(5)
    bad = apitest.attempt(req.set_content_length, -1)
    req.headers_out["X-Bad"] = bad[0]
    req.headers_out["X-Clength"] = str(req.clength)
    req.write("12345", flush=False)
    return apache.OK


def t_sendfile(req):
    req.content_type = "application/octet-stream"
    args = dict(pair.split("=") for pair in (req.args or "").split("&")
                if pair)
    if "offset" in args:
        sent = req.sendfile(DATA, int(args["offset"]), int(args["len"]))
    else:
        sent = req.sendfile(DATA)
    req.write(b"|sent=%d" % sent)
    return apache.OK


def t_sendfile_errors(req):
    return {"missing": apitest.attempt(req.sendfile, DATA + ".missing"),
            "directory": apitest.attempt(req.sendfile, HERE),
            "offset": apitest.attempt(req.sendfile, DATA, -1),
            "past_end": apitest.attempt(req.sendfile, DATA, 10 ** 9)}


def t_construct_url(req):
    return [req.construct_url("/x/y?z"), req.construct_url("\udcff")]


def t_ssl(req):
    return {"is_https": req.is_https(),
            "protocol": req.ssl_var_lookup("SSL_PROTOCOL")}


def t_discard(req):
    status = req.discard_request_body()
    return {"status": status, "read": req.read().decode()}


def t_auth_info(req):
    return {"name": req.auth_name(), "type": req.auth_type()}


def t_no_auth_info(req):
    return {"name": req.auth_name(), "type": req.auth_type()}


def t_conditional(req):
    req.update_mtime(FIXED_MTIME)
    req.update_mtime(FIXED_MTIME - 1000)       # older: no change
    req.set_last_modified()
    req.set_etag()
    status = req.meets_conditions()
    if status != apache.OK:
        return status
    req.content_type = "text/plain"
    req.write("mtime=%s" % req.mtime)
    return apache.OK
