import json

from mod_python import apache


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps({"interpreter": req.interpreter}))
    return apache.OK
