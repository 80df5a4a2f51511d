# PythonHandler hello world (bench row "handler").
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write(b"Hello!")
    return apache.OK
