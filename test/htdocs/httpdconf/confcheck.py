"""Served through a configuration that mod_python.httpdconf wrote."""
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("%s %s" % (req.get_options().get("made-by"),
                         req.get_config().get("PythonDebug")))
    return apache.OK
