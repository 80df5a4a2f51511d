"""A publisher function rendering a PSP template."""

from mod_python import psp


def index(req):
    req.content_type = "text/html"
    psp.PSP(req, filename="tmpl.html").run({"greeting": "Hi"})
