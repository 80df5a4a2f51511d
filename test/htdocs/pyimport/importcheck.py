"""Reports whether PythonImport loaded importedmod in this interpreter."""

import json
import os
import sys

from mod_python import apache


def handler(req):
    imported = sys.modules.get("importedmod")
    try:
        assert False
        asserts_run = False
    except AssertionError:
        asserts_run = True
    req.content_type = "application/json"
    req.write(json.dumps({
        "interpreter": req.interpreter,
        "imported_before": imported is not None,
        "imported_in_this_process":
            imported is not None and imported.IMPORTED_PID == os.getpid(),
        "optimize": sys.flags.optimize,
        "asserts_run": asserts_run,
    }))
    return apache.OK
