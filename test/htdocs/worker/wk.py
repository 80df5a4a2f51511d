from mod_python import apache
import threading

COUNT = [0]
LOCK = threading.Lock()


def handler(req):
    with LOCK:
        COUNT[0] += 1
        count = COUNT[0]
    req.content_type = "text/plain"
    req.write("%s %d %d" % (req.interpreter, threading.get_ident(), count), 0)
    return apache.OK
