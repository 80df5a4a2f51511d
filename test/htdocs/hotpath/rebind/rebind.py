# test_hot_path: a handler that rebinds its module's name "handler".
from mod_python import apache


def second(req):
    req.content_type = "text/plain"
    req.write("second")
    return apache.OK


def handler(req):
    global handler
    req.content_type = "text/plain"
    if req.args == "rebind":
        handler = second
    req.write("first")
    return apache.OK
