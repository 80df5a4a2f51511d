"""mod_python.cgihandler (manual section 6.2): legacy CGI scripts."""

import http.client
import os
import threading
import time
import uuid

import pytest
import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName cgi.test
    DocumentRoot {htdocs}/cgi
    <Directory {htdocs}/cgi>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
        PythonDebug On
    </Directory>
    # as in manual section 6.2
    <Directory {htdocs}/cgi/other>
        SetHandler python-program
        PythonHandler mod_python.cgihandler
    </Directory>
    <Directory {htdocs}/cgi/frozen>
        PythonAutoReload Off
        PythonFixupHandler dupenv
    </Directory>
    <Directory {htdocs}/cgi/plain>
        SetHandler mod_python
        PythonHandler plainenv
    </Directory>
</VirtualHost>
"""

HOST = "cgi.test"


def get(httpd, path, **kwargs):
    return httpd.get(path, host=HOST, **kwargs)


def test_hello(httpd):
    response = get(httpd, "/scripts/hello.py")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html"
    assert response.text == "<h1>Hello from a CGI script</h1>\n"


def test_cgi_environment_and_stdin(httpd):
    response = httpd.post("/scripts/env.py/extra/path?a=1&b=2", host=HOST,
                          data=b"posted body",
                          headers={"X-Token": "tok",
                                   "Content-Type": "text/x-test"},
                          auth=("user", "secret"))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    got = response.json()
    env = got["env"]
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_METHOD"] == "POST"
    assert env["QUERY_STRING"] == "a=1&b=2"
    assert got["getenv_query"] == "a=1&b=2"
    assert env["REQUEST_URI"] == "/scripts/env.py/extra/path?a=1&b=2"
    assert env["SCRIPT_NAME"] == "/scripts/env.py"
    assert env["SCRIPT_FILENAME"] == str(httpd.htdocs / "cgi" / "scripts"
                                         / "env.py")
    assert env["PATH_INFO"] == "/extra/path"
    assert env["PATH_TRANSLATED"] == str(httpd.htdocs / "cgi") \
        + "/extra/path"
    assert env["CONTENT_TYPE"] == "text/x-test"
    assert env["CONTENT_LENGTH"] == "11"
    assert env["HTTP_X_TOKEN"] == "tok"
    assert env["HTTP_HOST"] == HOST
    assert env["SERVER_PORT"].isdigit()      # from the Host header
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["DOCUMENT_ROOT"] == str(httpd.htdocs / "cgi")
    assert env["PATH"]
    assert env["HTTP_AUTHORIZATION"] is None     # as under mod_cgi
    assert got["body"] == "posted body"
    assert got["name"] == "__main__"
    assert got["cwd"] == str(httpd.htdocs / "cgi" / "scripts")


def test_get_without_path_info(httpd):
    env = get(httpd, "/scripts/env.py").json()["env"]
    assert env["QUERY_STRING"] == ""
    assert env["SCRIPT_NAME"] == "/scripts/env.py"
    assert env["PATH_INFO"] is None and env["PATH_TRANSLATED"] is None
    assert env["REQUEST_METHOD"] == "GET"


def test_standard_cgi_module_form(httpd):
    response = httpd.post("/scripts/fieldstorage.py?q=1", host=HOST,
                          data={"name": "value"},
                          files={"up": ("u.txt", b"uploaded")})
    assert response.status_code == 200, response.text
    # on 3.13 the install step's legacy-cgi (test_cgihandler_legacy.py)
    assert response.text == "name=value\nq=1\nup=file:u.txt:uploaded\n"


def test_status_header(httpd):
    response = get(httpd, "/scripts/status.py")
    assert response.status_code == 404
    assert response.text == "custom not found\n"


def test_absolute_location_is_302(httpd):
    response = get(httpd, "/scripts/redirect_abs.py")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://example.test/elsewhere"


def test_local_location_is_an_internal_redirect(httpd):
    response = get(httpd, "/scripts/redirect_local.py")
    assert response.status_code == 200
    assert response.text == "<h1>Hello from a CGI script</h1>\n"


def test_location_with_status(httpd):
    response = get(httpd, "/scripts/see_other.py")
    assert response.status_code == 303
    assert response.headers["Location"] == "/scripts/hello.py"
    assert response.text == "go there\n"


def test_other_headers(httpd):
    response = get(httpd, "/scripts/headers.py")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"] or \
        response.headers["Set-Cookie"] == "a=1, b=2"
    assert response.headers["X-Custom"] == "folded value"
    assert response.text == "café\n"


def test_binary_output_mixed_with_text(httpd):
    response = get(httpd, "/scripts/binary.py")
    assert response.content == b"\x00\xff\r\ntext\xfe"


def test_sys_exit_ends_the_script(httpd):
    response = get(httpd, "/scripts/exits.py")
    assert response.status_code == 200
    assert response.text == "before exit\n"


def test_runs_as_main(httpd):
    assert get(httpd, "/scripts/main.py").text == "main ran\n"


@pytest.mark.parametrize("script, reason", [
    ("noheaders", "premature end of script headers"),
    ("nothing", "script produced no output"),
    ("badheader", "malformed header from script"),
])
def test_bad_script_output_is_500(httpd, script, reason):
    since = httpd.error_log_size()
    response = get(httpd, "/scripts/%s.py" % script)
    assert response.status_code == 500
    assert reason in httpd.wait_for_log(reason, since)


def test_script_exception_is_500(httpd):
    response = get(httpd, "/scripts/error.py")
    assert response.status_code == 500
    assert "script failed" in response.text        # PythonDebug On
    response = get(httpd, "/scripts/syntax.py")
    assert response.status_code == 500
    assert "SyntaxError" in response.text


def test_missing_script_is_404(httpd):
    offset = httpd.error_log_size()
    assert get(httpd, "/scripts/missing.py").status_code == 404
    httpd.assert_log("MP03001: no script %r for /scripts/missing.py"
                     % str(httpd.htdocs / "cgi" / "scripts" / "missing.py"),
                     since=offset)


def test_relative_files_from_the_script_directory(httpd):
    response = get(httpd, "/scripts/cwd.py")
    assert response.text == "cwd=%s data=relative data file\n" % (
        httpd.htdocs / "cgi" / "scripts")


def test_environment_changes_stay_in_the_request(httpd):
    for token in ("first", "second"):
        response = get(httpd, "/scripts/setenv.py?" + token)
        assert response.text == "before=unset after=%s\n" % token
    assert get(httpd, "/plain/").text.startswith("QUERY_STRING=None")


def test_imported_modules_are_reloaded(httpd):
    """Each run imports cgihelper afresh (manual 6.2), so changes show."""
    for _ in range(4):
        assert get(httpd, "/scripts/uses_helper.py").text == \
            "helper value 1 imports=1\n"
    path = httpd.htdocs / "cgi" / "scripts" / "cgihelper.py"
    original = path.read_text()
    try:
        path.write_text(original.replace("helper value 1", "helper value 2"))
        later = time.time() + 5
        os.utime(path, (later, later))
        for _ in range(12):
            assert get(httpd, "/scripts/uses_helper.py").text == \
                "helper value 2 imports=1\n"
    finally:
        path.write_text(original)
        os.utime(path, (later + 5, later + 5))


def test_script_changes_are_picked_up(httpd):
    path = httpd.htdocs / "cgi" / "scripts" / "changing.py"
    try:
        for version in (1, 2):
            path.write_text('print("Content-Type: text/plain")\nprint()\n'
                            'print("version %d")\n' % version)
            later = time.time() + 5 * version
            os.utime(path, (later, later))
            for _ in range(12):
                assert get(httpd, "/scripts/changing.py").text == \
                    "version %d\n" % version
    finally:
        path.unlink()


def test_script_is_read_once_with_autoreload_off(httpd):
    """PythonAutoReload Off: no stat per request, so an edited script is
    not seen by an interpreter that already ran it (same keep-alive
    connection, same child)."""
    path = httpd.htdocs / "cgi" / "frozen" / "version.py"
    original = path.read_text()
    with requests.Session() as session:
        def fetch():
            return session.get(httpd.url("/frozen/version.py"),
                               headers={"Host": HOST}).text
        assert fetch() == "version 1\n"
        try:
            path.write_text(original.replace("version 1", "version 2"))
            later = time.time() + 5
            os.utime(path, (later, later))
            assert fetch() == "version 1\n"
        finally:
            path.write_text(original)
            os.utime(path, (later + 5, later + 5))


def test_repeated_subprocess_env_variable_is_one_string(httpd):
    """A variable added twice to req.subprocess_env is one str in
    os.environ (the last), as in a process environment."""
    assert get(httpd, "/frozen/twice.py").text == "str second\n"


def test_other_handlers_see_the_real_process(httpd):
    response = get(httpd, "/plain/")
    assert response.text == "QUERY_STRING=None stdout_is_proxy=_StreamProxy"


# ---------------------------------------------------- concurrency

class Client:
    """One keep-alive connection, reopened like browsers do: a request
    that finds its reused connection closed by the server before any
    response (event closes idle keep-alive connections when its workers
    are busy) is sent again once on a new connection."""

    RETRIED = (http.client.RemoteDisconnected, ConnectionResetError,
               BrokenPipeError)

    def __init__(self, httpd):
        self.port = httpd.port
        self.connection = None
        self.reused = False
        self.retries = 0

    def request(self, method, path, body=None, headers=None):
        """(response, body text)."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30)
                self.reused = False
            try:
                self.connection.request(method, path, body=body,
                                        headers=headers or {})
                response = self.connection.getresponse()
                text = response.read().decode()
            except self.RETRIED:
                self.close()
                if attempt == 2 or not self.reused:
                    raise
                self.retries += 1
                continue
            except Exception:
                self.close()
                raise
            self.reused = True
            if response.will_close:
                self.close()
            return response, text

    def close(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def run_concurrently(httpd, clients, requests_per_client, make_request):
    """Run the requests from client threads; returns (error descriptions,
    number of keep-alive retries)."""
    errors = []
    retries = []
    lock = threading.Lock()

    def client(number):
        connection = Client(httpd)
        for index in range(requests_per_client):
            try:
                problem = make_request(connection, number, index)
            except Exception as error:        # noqa: BLE001 - count them
                problem = "%s: %s" % (type(error).__name__, error)
            if problem:
                with lock:
                    errors.append(problem)
        connection.close()
        with lock:
            retries.append(connection.retries)

    threads = [threading.Thread(target=client, args=(n,))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, sum(retries)


def echo_request(httpd):
    scripts_dir = str(httpd.htdocs / "cgi" / "scripts")
    other_dir = str(httpd.htdocs / "cgi" / "other")

    def request(client, number, index):
        kind = index % 10
        if kind == 8:
            response, text = client.request("GET", "/other/where.py",
                                            headers={"Host": HOST})
            expected = "cwd=%s\n" % other_dir
        elif kind == 9:
            response, text = client.request("GET", "/plain/?x=1",
                                            headers={"Host": HOST})
            expected = "QUERY_STRING=None stdout_is_proxy=_StreamProxy"
        elif kind == 7:
            response, text = client.request("GET", "/scripts/cwd.py",
                                            headers={"Host": HOST})
            expected = "cwd=%s data=relative data file\n" % scripts_dir
        else:
            token = "%d-%d-%s" % (number, index, uuid.uuid4().hex[:8])
            body = "body-" + token
            response, text = client.request(
                "POST", "/scripts/echo.py?" + token, body=body.encode(),
                headers={"Host": HOST, "X-Token": token})
            expected = "".join("%d %s %s|" % (piece, token, token)
                               for piece in range(5)) + body + "\n"
            if response.getheader("X-Token") != token:
                return "wrong X-Token %r for %s" % (
                    response.getheader("X-Token"), token)
        if response.status != 200 or text != expected:
            return "status %d, got %r, expected %r" % (
                response.status, text[:200], expected[:200])
        return None
    return request


def test_concurrent_requests_are_isolated(httpd):
    """16 clients x 64 requests: every response is its own request's."""
    started = time.monotonic()
    errors, retries = run_concurrently(httpd, 16, 64, echo_request(httpd))
    elapsed = time.monotonic() - started
    print("cgihandler %s: 1024 requests from 16 clients in %.2fs, %d errors, "
          "%d keep-alive retries" % (httpd.mpm, elapsed, len(errors),
                                     retries))
    assert errors == []
    assert get(httpd, "/plain/").text.startswith("QUERY_STRING=None")

