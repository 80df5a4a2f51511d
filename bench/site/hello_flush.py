# The tutorial's hello world: req.write() flushes by default, so the
# response goes out chunked, in two writes (bench row "handler-flush").
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello!")
    return apache.OK
