"""A request for a PythonHandler configured in <Location> is not mapped to
the file system (mod_python 3.5; Doc/handlers.rst, "Handlers in
<Location>"): req.filename is None, req.path_info the URI after the
<Location> path, the <Directory> sections of the path do
not apply, the <Location> ones do, and nothing under the path is ever sent
as a file.  Handlers that need the file (publisher, psp, cgihandler, a
"| .ext" list, PythonInterpPerDirectory) and URLs that Alias maps keep the
mapping, and with it every <Directory> rule."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName locmap.test
    DocumentRoot {htdocs}/locmap/www
    <Directory {htdocs}/locmap/www/app>
        Require all denied
    </Directory>
    <Location /app>
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonHandler locmap
        PythonInterpreter locmap
    </Location>
    <Location /app/viapub>
        PythonHandler locmap::via_publisher
    </Location>
    <Location /app/closed>
        Require all denied
    </Location>
    <LocationMatch "^/rx/">
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonHandler locmap
        PythonInterpreter locmap
    </LocationMatch>
    <Location /pub>
        SetHandler mod_python
        PythonHandler mod_python.publisher
        PythonInterpreter locmap
    </Location>
    <Directory {htdocs}/locmap/www/pub/private>
        Require all denied
    </Directory>
    <Location /ext>
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonHandler locmap | .txt
        PythonInterpreter locmap
    </Location>
    <Location /perdir>
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonHandler locmap
        PythonInterpPerDirectory On
    </Location>
    Alias /aliased {htdocs}/locmap/aliased
    <Location /aliased>
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonHandler locmap
        PythonInterpreter locmap
    </Location>
    <Location /auth>
        AuthType Basic
        AuthName locmap
        PythonPath "sys.path+['{htdocs}/locmap/lib']"
        PythonAuthenHandler locmap::authen
        PythonInterpreter locmap
        Require valid-user
    </Location>
</VirtualHost>
"""

import requests

HOST = {"Host": "locmap.test"}


def get(httpd, path, **kwargs):
    return requests.get(httpd.url(path), headers=HOST, timeout=20, **kwargs)


def test_a_location_handler_runs_without_a_file_name(httpd):
    """The <Directory> that denies the same path does not apply (it did
    before: a 403), and the handler sees req.filename None."""
    for path, path_info in (("/app/x", "/x"), ("/app/secret.txt", "/secret.txt"),
                            ("/app/", "/"), ("/app", ""), ("/app/a/b%20c", "/a/b c"),
                            ("/rx/deep/er", None)):
        response = get(httpd, path)
        assert response.status_code == 200, (path, response.text)
        assert response.text == ("filename=None interpreter=locmap "
                                 "path_info=%r" % path_info), path


def test_the_location_access_rules_still_hold(httpd):
    for path in ("/app/closed", "/app/closed/file.txt", "/app/closed/x"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
        assert "filename=" not in response.text


def test_nothing_under_the_location_is_sent_as_a_file(httpd):
    """A handler that declines leaves no file for httpd to send: the file
    at that path, Python source included, stays unread (404)."""
    for path, content in (("/app/secret.txt", "never sent"),
                          ("/app/code.py", "SECRET_SOURCE"),
                          ("/app/closed/../secret.txt", "never sent")):
        response = get(httpd, path + "?decline")
        assert response.status_code == 404, (path, response.text)
        assert content not in response.text


def test_the_publisher_in_a_location_keeps_the_file_and_its_rules(httpd):
    response = get(httpd, "/pub/page/hello")
    assert response.status_code == 200, response.text
    assert response.text.endswith("/locmap/www/pub/page.py")
    response = get(httpd, "/pub/private/page/hello")
    assert response.status_code == 403, response.text
    assert "private page ran" not in response.text


def test_handlers_that_need_the_file_keep_the_mapping(httpd):
    """"| .ext" is matched against the file name, PythonInterpPerDirectory
    names the interpreter after its directory, and an Alias maps the URL
    before mod_python is asked."""
    response = get(httpd, "/ext/file.txt")
    assert response.status_code == 200, response.text
    assert response.text.startswith("filename='")
    assert "/locmap/www/ext/file.txt'" in response.text
    assert get(httpd, "/ext/nothing").status_code == 404

    response = get(httpd, "/perdir/x")
    assert response.status_code == 200, response.text
    assert "/locmap/www/perdir/x'" in response.text
    assert ("interpreter=%s/locmap/www/perdir/ " % httpd.htdocs
            in response.text)

    response = get(httpd, "/aliased/x")
    assert response.status_code == 200, response.text
    assert "/locmap/aliased/x'" in response.text


def test_a_location_with_only_an_authen_handler_serves_its_files(httpd):
    """No SetHandler mod_python: httpd maps the URL and sends the file once
    the Python authentication handler let the user in."""
    assert get(httpd, "/auth/static.txt").status_code == 401
    assert get(httpd, "/auth/static.txt",
               auth=("ann", "wrong")).status_code == 401
    response = get(httpd, "/auth/static.txt", auth=("ann", "secret"))
    assert response.status_code == 200, response.text
    assert response.text == "static file behind a Python authen handler\n"


def test_trace_is_still_answered_by_httpd(httpd):
    """TRACE is answered while mapping (httpd's map_to_storage): skipping
    the mapping must not hand it to the Python handler."""
    response = requests.request("TRACE", httpd.url("/app/x"), headers=HOST,
                                timeout=20)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("message/http")
    assert response.text.startswith("TRACE /app/x HTTP/1.1")
    assert "filename=" not in response.text


def test_the_publisher_called_by_a_location_handler_finds_no_page(httpd):
    """A handler of one's own in <Location> that calls the publisher: the
    URL is unmapped, there is no page file, and the answer is a 404, not
    a page found some other way nor a traceback."""
    response = get(httpd, "/app/viapub/page/hello")
    assert response.status_code == 404, response.text
    assert "Traceback" not in response.text
