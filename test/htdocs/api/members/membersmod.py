"""Handlers for test_api_members.py: every documented member of the
request, connection and server objects."""

import json

import apitest
from mod_python import apache

REQUEST_MEMBERS = (
    "the_request", "assbackwards", "proxyreq", "header_only", "protocol",
    "proto_num", "hostname", "request_time", "status_line", "status",
    "method", "method_number", "allowed", "allowed_xmethods",
    "allowed_methods", "sent_bodyct", "bytes_sent", "mtime", "chunked",
    "range", "clength", "remaining", "read_length", "read_body",
    "read_chunked", "expecting_100", "phase", "interpreter",
    "content_type", "handler", "content_encoding", "content_languages",
    "vlist_validator", "user", "ap_auth_type", "no_cache", "no_local_copy",
    "unparsed_uri", "uri", "filename", "canonical_filename", "path_info",
    "args", "finfo", "parsed_uri", "used_path_info", "eos_sent",
    "useragent_ip", "useragent_addr", "log_id")
REQUEST_OBJECTS = ("connection", "server", "next", "prev", "main")
REQUEST_TABLES = ("headers_in", "headers_out", "err_headers_out",
                  "subprocess_env", "notes")
CONNECTION_MEMBERS = (
    "base_server", "child_num", "local_addr", "remote_addr", "remote_ip",
    "remote_host", "remote_logname", "aborted", "keepalive",
    "double_reverse", "keepalives", "local_ip", "local_host", "id", "notes")
SERVER_MEMBERS = (
    "defn_name", "defn_line_number", "srm_confname", "server_admin",
    "server_hostname", "port", "error_fname", "loglevel", "is_virtual",
    "timeout", "keep_alive_timeout", "keep_alive_max", "send_buffer_size",
    "path", "pathlen", "server_uid", "server_gid", "names", "wild_names",
    "keep_alive", "limit_req_line", "limit_req_fieldsize",
    "limit_req_fields", "server_scheme", "my_generation", "restart_time",
    "next")

MISSING = object()


def handler(req):
    req.headers_out["X-Header-Only"] = str(bool(req.header_only))
    return apitest.dispatch(req, globals())


def fixuphandler(req):
    req.set_in_fixup = {"phase": req.phase, "list": [1, 2]}
    return apache.OK


def values(obj, names):
    found, missing = {}, []
    for name in names:
        value = getattr(obj, name, MISSING)
        if value is MISSING:
            missing.append(name)
        elif isinstance(value, apache.table):
            found[name] = dict(value)
        elif isinstance(value, tuple):
            found[name] = list(value)
        else:
            found[name] = value
    return found, missing


def t_page_txt(req):
    if req.method == "POST":
        req.read()
    request, missing = values(req, REQUEST_MEMBERS + REQUEST_TABLES)
    objects = {name: type(getattr(req, name)).__name__
               for name in REQUEST_OBJECTS}
    connection, conn_missing = values(req.connection, CONNECTION_MEMBERS)
    server, server_missing = values(req.server, SERVER_MEMBERS)
    return {"request": request, "objects": objects,
            "connection": connection, "server": server,
            "base_is_server": req.connection.base_server == req.server,
            "missing": {"request": missing, "connection": conn_missing,
                        "server": server_missing}}


READ_ONLY = ("the_request", "assbackwards", "header_only", "protocol",
             "proto_num", "hostname", "request_time", "method",
             "method_number", "allowed", "allowed_xmethods",
             "allowed_methods", "sent_bodyct", "bytes_sent", "mtime",
             "chunked", "range", "clength", "remaining", "read_length",
             "read_body", "read_chunked", "expecting_100", "phase",
             "interpreter", "vlist_validator", "no_local_copy",
             "unparsed_uri", "parsed_uri", "eos_sent", "connection",
             "server", "next", "prev", "main", "useragent_ip")


def t_read_only(req):
    refused = {}
    for name in READ_ONLY:
        before = getattr(req, name)
        try:
            setattr(req, name, before)
        except AttributeError as exc:
            refused[name] = str(exc)
    conn_refused = []
    for name in ("remote_ip", "local_addr", "id", "notes"):
        try:
            setattr(req.connection, name, 1)
        except AttributeError:
            conn_refused.append(name)
    server_refused = []
    for name in ("server_hostname", "port", "timeout"):
        try:
            setattr(req.server, name, 1)
        except AttributeError:
            server_refused.append(name)
    return {"refused": refused, "connection": conn_refused,
            "server": server_refused,
            "none_uri": apitest.attempt(setattr, req, "uri", None),
            "int_uri": apitest.attempt(setattr, req, "uri", 42),
            "del_status": apitest.attempt(delattr, req, "status")}


def t_writable(req):
    req.status = 299
    req.status_line = "299 Custom Thing"
    req.content_type = "text/x-api; charset=utf-8"
    req.content_encoding = "x-api-coding"
    req.content_languages = ("en", "fr")
    req.no_cache = 1
    req.user = "someone"
    req.ap_auth_type = "Custom"
    req.args = None
    req.proxyreq = apache.PROXYREQ_NONE
    req.used_path_info = apache.AP_REQ_ACCEPT_PATH_INFO
    req.path_info = "/changed"
    req.filename = "/changed/file"
    req.canonical_filename = "/changed/file"
    req.uri = "/changed-uri"
    found = {name: getattr(req, name) for name in (
        "status", "status_line", "content_type", "content_encoding",
        "content_languages", "no_cache", "user", "ap_auth_type", "args",
        "proxyreq", "used_path_info", "path_info", "filename",
        "canonical_filename", "uri", "_content_type_set")}
    req.write(json.dumps(found))
    return apache.OK


def t_attributes(req):
    req.set_in_handler = "yes"
    found = {"from_fixup": req.set_in_fixup,
             "handler": req.set_in_handler}
    del req.set_in_handler
    found["deleted"] = hasattr(req, "set_in_handler")
    found["dict"] = sorted(vars(req))
    return found
