# Manual section 3.3, "PythonHandler myscript::spam": the object is named.
from mod_python import apache


def spam(req):
    req.content_type = "text/plain"
    req.write("Hello World! (from myscript::spam)")
    return apache.OK
