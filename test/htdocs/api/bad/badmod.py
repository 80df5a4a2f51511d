"""Handlers for test_api_badinput.py: invalid UTF-8 and NUL bytes from
the client never raise, and round-trip when written back."""

import json
import os

from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "..", "var")


def seen(req):
    return {"the_request": req.the_request, "unparsed_uri": req.unparsed_uri,
            "uri": req.uri, "args": req.args, "path_info": req.path_info,
            "raw_header": req.headers_in.get("X-Raw"),
            "parsed_path": req.parsed_uri[apache.URI_PATH]}


def postreadrequesthandler(req):
    trace_id = req.headers_in.get("X-Trace-Id")
    if trace_id:
        with open(os.path.join(VAR, trace_id), "w") as out:
            json.dump(seen(req), out)
    return apache.OK


def attempt(func, *args):
    try:
        func(*args)
        return "ok"
    except Exception as exc:
        return type(exc).__name__


def nul_checks(req):
    return {
        "uri": attempt(setattr, req, "uri", "/a\0b"),
        "header": attempt(req.headers_out.__setitem__, "X-Nul", "a\0b"),
        "header_key": attempt(req.headers_out.__setitem__, "X-\0", "v"),
        "content_type": attempt(setattr, req, "content_type", "text/\0"),
        "log": attempt(req.log_error, "a\0b"),
        "body": attempt(req.write, b"body with \0 is fine;"),
        "surrogate_body": attempt(req.write, "\ud800 lone surrogate"),
    }


def handler(req):
    if req.uri == "/nul":
        req.content_type = "application/json"
        req.write(json.dumps(nul_checks(req)))
        return apache.OK
    found = seen(req)
    # written back as headers and body: the original bytes again
    req.headers_out["X-Echo-Uri"] = req.uri
    if req.args is not None:
        req.headers_out["X-Echo-Args"] = req.args
    if found["raw_header"] is not None:
        req.headers_out["X-Echo-Header"] = found["raw_header"]
        req.headers_out.add("X-Echo-Header-Table",
                            apache.table(req.headers_in)["X-Raw"])
    req.content_type = "application/json"
    req.write(json.dumps(found))
    req.write(b"\n")
    req.write(req.uri)
    return apache.OK
