# WSGI hello world (optional row "mod_wsgi", only when Debian's
# libapache2-mod-wsgi-py3 is installed).
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello!"]
