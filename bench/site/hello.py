# PythonHandler hello world (bench row "handler"): the whole body in one
# unflushed write, so Apache sends it with a Content-Length in one packet.
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write(b"Hello!", 0)
    return apache.OK
