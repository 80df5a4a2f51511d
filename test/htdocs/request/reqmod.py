"""The first URL segment picks which request members to report."""

import json

from mod_python import apache


def fixup_sets_attribute(req):
    req.set_in_fixup = "set in fixup"
    return apache.OK


def send_json(req, value):
    req.content_type = "application/json"
    req.write(json.dumps(value))
    return apache.OK


def members(req):
    return send_json(req, {
        "uri": req.uri,
        "filename": req.filename,
        "path_info": req.path_info,
        "args": req.args,
        "method": req.method,
        "phase": req.phase,
        "interpreter": req.interpreter,
        "remote_ip": req.connection.remote_ip,
        "server_hostname": req.server.server_hostname,
    })


def headers_in(req):
    return send_json(req, {
        "lower": req.headers_in["x-custom-header"],
        "upper": req.headers_in["X-CUSTOM-HEADER"],
        "contains": "x-CuStOm-HeAdEr" in req.headers_in,
    })


def headers_out(req):
    req.headers_out["X-Mp-Out"] = "from the handler"
    req.content_type = "text/plain"
    req.write("see headers")
    return apache.OK


def content_type(req):
    req.content_type = "application/x-mod-python-test"
    req.write("typed")
    return apache.OK


def status(req):
    req.status = apache.HTTP_CREATED
    req.content_type = "text/plain"
    req.write("created")
    return apache.OK


def write(req):
    req.content_type = "application/octet-stream"
    req.write(b"bytes-\x00\xff-")
    req.write("str-\u00e9\u20ac")
    return apache.OK


def read(req):
    body = req.read()
    req.headers_out["X-Read-Type"] = type(body).__name__
    req.content_type = "application/octet-stream"
    req.write(body)
    return apache.OK


def config(req):
    return send_json(req, dict(req.get_config()))


def attribute(req):
    return send_json(req, getattr(req, "set_in_fixup", None))


def auth(req):
    return send_json(req, {"user": req.user,
                           "password": getattr(req, "password_seen", None)})


ACTIONS = {"members": members, "headers_in": headers_in,
           "headers_out": headers_out, "content_type": content_type,
           "status": status, "write": write, "read": read, "config": config,
           "attribute": attribute, "auth": auth}


def handler(req):
    return ACTIONS[req.uri.split("/")[1]](req)
