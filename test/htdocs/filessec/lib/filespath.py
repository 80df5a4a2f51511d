"""Reports where the handler ran: sys.path entries and the interpreter."""

import json
import sys

from mod_python import apache


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps({"path": sys.path, "interpreter": req.interpreter,
                          "directory": req.hlist.directory}))
    return apache.OK
