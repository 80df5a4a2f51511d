"""A normal handler in the same interpreter as the CGI scripts: it must see
the process environment, never a CGI request's."""
import os
import sys

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("QUERY_STRING=%s stdout_is_proxy=%s" % (
        os.environ.get("QUERY_STRING"),
        type(sys.stdout).__name__))
    return apache.OK
