"""Templates rendered from a plain handler (Doc/psp.rst)."""

from mod_python import apache, psp


def handler(req):
    req.content_type = "text/html"
    if req.uri.endswith("/string"):
        template = psp.PSP(req, string="<%= a %>+<%= b %>", vars={"a": 1,
                                                                  "b": 2})
        template.run({"b": 3})
    elif req.uri.endswith("/missing"):
        psp.PSP(req, filename="no_such_template.html").run()
    elif req.uri.endswith("/code"):
        psp.PSP(req, filename="tmpl.html").display_code()
    else:
        template = psp.PSP(req, filename="tmpl.html", vars={"what": "x"})
        template.run({"what": "world"})
    return apache.OK
