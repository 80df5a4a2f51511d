"""Legacy CGI scripts that use the cgi and cgitb modules, under
mod_python.cgihandler.

Python 3.13 removed both from the standard library (PEP 594); the
install step (scripts/install-deps.sh: Debian's python3-legacy-cgi,
scripts/python-leg.sh: legacy-cgi from PyPI) provides the maintained
fork, so these scripts run unchanged on every Python: on 3.11 and 3.12
against the standard library modules, on 3.13 against the fork."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName cgilegacy.test
    DocumentRoot {htdocs}/cgi/legacy
    <Directory {htdocs}/cgi/legacy>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
        PythonDebug On
    </Directory>
</VirtualHost>
"""

HOST = "cgilegacy.test"


def test_fieldstorage_parses_the_query_string(httpd):
    response = httpd.get("/form.py?name=Ada%20%3CL%3E&tag=x&tag=y",
                         host=HOST)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html"
    assert response.text == ("<p>name=Ada &lt;L&gt;</p>\n"
                             "<p>tags=x,y</p>\n")


def test_fieldstorage_parses_a_multipart_post(httpd):
    response = httpd.post("/form.py", host=HOST,
                          data={"name": "Grace", "tag": ["a", "b", "c"]},
                          files={"upload": ("notes.txt", b"line one\n")})
    assert response.status_code == 200, response.text
    assert response.text == ("<p>name=Grace</p>\n"
                             "<p>tags=a,b,c</p>\n"
                             "<p>upload=notes.txt:9:line one\n</p>\n")


def test_fieldstorage_parses_an_urlencoded_post(httpd):
    response = httpd.post("/form.py", host=HOST,
                          data={"name": "Linus", "tag": "k"})
    assert response.status_code == 200, response.text
    assert response.text == "<p>name=Linus</p>\n<p>tags=k</p>\n"


def test_cgitb_reports_an_uncaught_exception(httpd):
    since = httpd.error_log_size()
    response = httpd.get("/form.py?fail=nowhere", host=HOST)
    # as under mod_cgi: cgitb's page is the script's output
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html"
    text = response.text
    assert "A problem occurred in a Python script" in text
    assert "LookupError" in text
    assert "no entry for nowhere" in text
    # the script's source around the failing line, as cgitb shows it
    assert "looked_up&nbsp;=&nbsp;form.getfirst(" in text
    assert "raise&nbsp;LookupError(" in text
    assert str(httpd.htdocs / "cgi" / "legacy" / "form.py") in text
    logged = httpd.wait_for_log("MP03008", since)
    assert "form.py: LookupError: no entry for nowhere" in logged


def test_the_cgitb_hook_ends_with_the_script(httpd):
    """cgitb.enable() sets sys.excepthook for the whole interpreter; a
    later script without it gets mod_python's error page again."""
    assert httpd.get("/form.py?fail=x", host=HOST).status_code == 200
    response = httpd.get("/plain_error.py", host=HOST)
    assert response.status_code == 500
    assert "failed without cgitb" in response.text       # PythonDebug On
    assert "A problem occurred in a Python script" not in response.text
