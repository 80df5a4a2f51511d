"""Reports whether PythonImport loaded importedmod in this interpreter."""

import json
import os
import sys

from mod_python import apache


def handler(req):
    imported = sys.modules.get("importedmod")
    path_module = sys.modules.get("pathimported")
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
        "function_ran_in_this_process":
            path_module is not None and path_module.STARTED_IN == os.getpid(),
        "main_server_option":
            apache.main_server.get_options().get("pathimported::started"),
    }))
    return apache.OK
