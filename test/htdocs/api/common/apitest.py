"""Helpers for the test handlers of test/test_api_*.py.

dispatch(req, namespace) runs the function t_<first URI segment> of
namespace ('.' and '-' become '_'): None means OK with nothing more to
send, an int is returned as the status, anything else is sent as JSON
(str values keep their surrogate escapes as \\udcXX).
"""

import json

from mod_python import apache


def dispatch(req, namespace):
    name = req.uri.lstrip("/").split("/", 1)[0]
    func = namespace.get("t_" + name.replace(".", "_").replace("-", "_"))
    if func is None:
        return apache.HTTP_NOT_FOUND
    result = func(req)
    if result is None:
        return apache.OK
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    send_json(req, result)
    return apache.OK


def send_json(req, value):
    req.content_type = "application/json"
    req.write(json.dumps(value, default=repr))


def attempt(func, *args, **kwargs):
    """func(*args) -> ["ok", result] or [exception class name, message]."""
    try:
        return ["ok", func(*args, **kwargs)]
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
