"""A handler module found through PythonPath, not in the directive's
directory: a library module, in sys.modules under its own name."""
import sys

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("%s %s" % (__name__, sys.modules.get(__name__) is sys.modules[
        handler.__module__]))
    return apache.OK
