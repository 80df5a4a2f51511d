# test_hot_path: a library module (found through PythonPath, not in the
# handler's directory) that can take itself out of sys.modules.
import sys

from mod_python import apache

calls = 0


def handler(req):
    global calls
    calls += 1
    req.content_type = "text/plain"
    req.write(str(calls))
    if req.args == "forget":
        del sys.modules[__name__]
    return apache.OK
