#!/usr/bin/env python3
"""A legacy CGI script as it ran under mod_cgi, unchanged: the form
through cgi.FieldStorage, uncaught errors reported by cgitb."""
import cgi
import cgitb
import html

cgitb.enable()

form = cgi.FieldStorage()
if "fail" in form:
    looked_up = form.getfirst("fail")
    raise LookupError("no entry for %s" % looked_up)

print("Content-Type: text/html")
print()
print("<p>name=%s</p>" % html.escape(form.getfirst("name", "")))
print("<p>tags=%s</p>" % ",".join(form.getlist("tag")))
if "upload" in form and form["upload"].filename:
    upload = form["upload"]
    data = upload.file.read()
    print("<p>upload=%s:%d:%s</p>" % (upload.filename, len(data),
                                      data.decode()))
