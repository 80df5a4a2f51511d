"""PythonFixupHandler of cgi/frozen: a variable given twice."""
from mod_python import apache


def fixuphandler(req):
    req.subprocess_env.add("MP_TWICE", "first")
    req.subprocess_env.add("MP_TWICE", "second")
    return apache.OK
