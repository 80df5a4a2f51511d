# WSGI hello world: row "wsgi" (PythonHandler mod_python.wsgi) and row
# "mod_wsgi" (WSGIScriptAlias) run this same file.
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello!"]
