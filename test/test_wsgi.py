"""mod_python.wsgi: WSGI applications (PEP 3333) under PythonHandler.

The applications of htdocs/wsgi/apps.py are wrapped in
wsgiref.validate.validator, so a PEP 3333 violation by the server fails
the request (500, AssertionError in the log); every test of them also
checks the log for one.  test_35_* carry mod_python 3.5's
test_wsgihandler and test_wsgihandler_location."""

import hashlib
import json
import socket
import time
import uuid

import pytest
import requests

from test_api_client import chunked, request as raw_request

CONFIG = """
<VirtualHost *:{port}>
    ServerName wsgi.test
    DocumentRoot {htdocs}/wsgi
    SetEnv MP_TEST_VAR {var}
    PythonPath "sys.path+['{htdocs}/wsgi']"
    <Directory {htdocs}/wsgi>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application wsgitest
        PythonDebug On
    </Directory>
    <Location /foo>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application wsgitest::base_uri
    </Location>
    <Location /app/>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps
    </Location>
    <Location /authapp/>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps
        PythonOption mod_python.wsgi.pass_authorization On
        AuthType Basic
        AuthName wsgi
        PythonAuthenHandler apps::authen
        Require valid-user
        SetEnv REQUEST_METHOD PUT
        SetEnv SCRIPT_NAME /spoofed
        SetEnv PATH_INFO /spoofed
        SetEnv QUERY_STRING spoofed=1
        SetEnv REMOTE_ADDR 192.0.2.66
        SetEnv REMOTE_USER mallory
        SetEnv AUTH_TYPE Spoofed
        SetEnv SERVER_NAME spoofed.test
        SetEnv HTTP_HOST spoofed.test
    </Location>
    <Location /raw>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps::raw
    </Location>
    <Location /second>
        SetHandler mod_python
        PythonInterpreter wsgi_second
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps
    </Location>
    <Location /based>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps
        PythonOption mod_python.wsgi.base_uri /based/deeper
    </Location>
    <Location /noapp>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps::no_such_callable
    </Location>
    <Location /nooption>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
    </Location>
    <Location /nomodule>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application no_such_wsgi_module
    </Location>
    <Location /reload>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application reloadable
    </Location>
    <Location /flask>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application flaskapp::app
    </Location>
    <Location /django>
        SetHandler mod_python
        PythonInterpreter wsgi_django
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application djangoapp
    </Location>
</VirtualHost>
"""

HOST = "wsgi.test"
DATA = bytes(range(256)) * 400          # 102400 bytes, served as data.bin


@pytest.fixture
def data_file(httpd):
    path = httpd.htdocs / "wsgi" / "data.bin"
    if not path.exists():
        path.write_bytes(DATA)
        path.chmod(0o644)


@pytest.fixture
def clean_log(httpd):
    """Fails the test when the validator (or anything) raised meanwhile."""
    offset = httpd.error_log_size()
    yield
    time.sleep(0.1)
    log = httpd.error_log_since(offset)
    assert "AssertionError" not in log, log
    assert "Exception ignored" not in log, log


def get(httpd, path, **kwargs):
    return httpd.get(path, host=HOST, **kwargs)


def post(httpd, path, **kwargs):
    return httpd.post(path, host=HOST, **kwargs)


def read_to_close(sock):
    """Everything the server sends on sock until it closes it."""
    data = b""
    while True:
        part = sock.recv(65536)
        if not part:
            return data
        data += part


# ------------------------------------------------ mod_python 3.5's tests

def test_35_wsgihandler(httpd):
    offset = httpd.error_log_size()
    response = get(httpd, "/tests.py")
    assert response.status_code == 200, response.text
    assert response.text.endswith("test ok\n"), response.text
    httpd.assert_log("written_from_wsgi_test", since=offset)


def test_35_wsgihandler_location(httpd):
    response = get(httpd, "/foo/bar")
    assert response.status_code == 200, response.text
    assert response.text.endswith("test ok\n"), response.text


# -------------------------------------------------------------- environ

def test_environ_cgi_variables(httpd, clean_log):
    response = get(httpd, "/app/env?a=1&b=%20x",
                   headers={"X-Custom-Thing": "yes", "Cookie": "c=1"})
    assert response.status_code == 200, response.text
    env = response.json()
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SCRIPT_NAME"] == "/app"         # <Location /app/>: no slash
    assert env["PATH_INFO"] == "/env"
    assert env["QUERY_STRING"] == "a=1&b=%20x"
    assert env["REQUEST_URI"] == "/app/env?a=1&b=%20x"
    assert env["SERVER_NAME"] == HOST
    assert env["SERVER_PORT"] == "80"       # the Host header has no port
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["REMOTE_PORT"].isdigit()
    assert env["HTTP_HOST"] == HOST
    assert env["HTTP_X_CUSTOM_THING"] == "yes"
    assert env["HTTP_COOKIE"] == "c=1"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["MP_TEST_VAR"] == str(httpd.var)          # SetEnv
    assert "HTTPS" not in env
    assert "CONTENT_LENGTH" not in env
    wsgi = env["wsgi"]
    assert wsgi["version"] == [1, 0]
    assert wsgi["url_scheme"] == "http"
    assert wsgi["multithread"] is (httpd.mpm != "prefork")
    assert wsgi["multiprocess"] is True
    assert wsgi["run_once"] is False
    assert wsgi["input_terminated"] is True
    assert wsgi["file_wrapper"] == "FileWrapper"


def test_environ_post_headers_and_authorization(httpd, clean_log):
    response = post(httpd, "/app/env", data=b"x=1",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    auth=("user", "secret"))
    env = response.json()
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["CONTENT_LENGTH"] == "3"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    # like mod_wsgi without WSGIPassAuthorization: credentials stay out
    assert "HTTP_AUTHORIZATION" not in env


def test_pass_authorization_user_and_setenv_cannot_replace_cgi(httpd,
                                                               clean_log):
    """pass_authorization On passes the header; REMOTE_USER and AUTH_TYPE
    are those Apache checked; SetEnv (and other modules' subprocess_env)
    cannot replace a CGI variable."""
    assert get(httpd, "/authapp/env").status_code == 401
    response = get(httpd, "/authapp/env?a=1", auth=("user", "secret"))
    assert response.status_code == 200, response.text
    env = response.json()
    assert env["HTTP_AUTHORIZATION"] == "Basic dXNlcjpzZWNyZXQ="
    assert (env["REMOTE_USER"], env["AUTH_TYPE"]) == ("user", "Basic")
    assert (env["REQUEST_METHOD"], env["SCRIPT_NAME"], env["PATH_INFO"],
            env["QUERY_STRING"], env["REMOTE_ADDR"], env["SERVER_NAME"],
            env["HTTP_HOST"]) == ("GET", "/authapp", "/env", "a=1",
                                  "127.0.0.1", HOST, HOST)


def test_environ_header_with_underscore_is_dropped(httpd, clean_log):
    """X_Forwarded_For must not pass for X-Forwarded-For (httpd's CGI rule)."""
    response = raw_request(httpd.port, "GET", "/app/env", HOST,
                           headers=[("X_Spoofed", "1"), ("X-Real", "2")])
    env = response.json()
    assert env["HTTP_X_REAL"] == "2"
    assert "HTTP_X_SPOOFED" not in env


def test_environ_path_info_is_latin1_native_string(httpd, clean_log):
    response = get(httpd, "/app/caf%C3%A9/%E2%82%AC")
    env = response.json()
    assert env["path_info_utf8"] == "/caf\u00e9/\u20ac"
    assert env["PATH_INFO"] == "/caf\u00c3\u00a9/\u00e2\u0082\u00ac"


def test_base_uri_option_and_mismatch(httpd, clean_log):
    env = get(httpd, "/based/deeper/x/y").json()
    assert env["SCRIPT_NAME"] == "/based/deeper"
    assert env["PATH_INFO"] == "/x/y"
    offset = httpd.error_log_size()
    response = get(httpd, "/based/elsewhere")
    assert response.status_code == 404
    httpd.assert_log("MP07002", since=offset)


# -------------------------------------------------------------- wsgi.input

@pytest.mark.parametrize("mode", ["read", "readline", "iter"])
def test_input_modes(httpd, clean_log, mode):
    body = b"".join(b"line %d %s\n" % (n, b"x" * (n % 50)) for n in range(3000))
    response = post(httpd, "/app/echo?mode=" + mode, data=body)
    got = response.json()
    assert got["size"] == len(body)
    assert got["sha256"] == hashlib.sha256(body).hexdigest()
    if mode != "read":
        assert got["lines"] == 3000


def test_input_iterates_over_lines(httpd):
    """iter(wsgi.input) is the request object's own iteration."""
    body = b"first\nsecond\r\n\nlast without newline"
    got = post(httpd, "/raw/lines", data=body).json()
    assert got == {"lines": 4, "size": len(body)}


def test_input_chunked_request_body(httpd, clean_log):
    body = bytes(range(256)) * 1000
    response = raw_request(httpd.port, "POST", "/app/echo?mode=read", HOST,
                           headers=[("Transfer-Encoding", "chunked")],
                           body=chunked(body, 7000))
    assert response.status == 200, response.body
    got = response.json()
    assert got["size"] == len(body)
    assert got["sha256"] == hashlib.sha256(body).hexdigest()


def test_input_is_streamed_not_buffered(httpd, clean_log):
    """The application gets the first block before the client sent the
    rest: read() hands over what has arrived."""
    first = b"a" * 10000
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) as sock:
        sock.sendall(b"POST /app/echo?mode=read HTTP/1.1\r\nHost: wsgi.test\r\n"
                     b"Content-Length: 20000\r\nConnection: close\r\n\r\n"
                     + first)
        time.sleep(0.5)
        sock.sendall(b"b" * 10000)
        data = read_to_close(sock)
    assert b"200 OK" in data.split(b"\r\n")[0]
    got = json.loads(data.split(b"\r\n\r\n", 1)[1])
    assert got["size"] == 20000


# ------------------------------------------------------------- responses

def test_write_callable_and_iterable(httpd, clean_log):
    response = get(httpd, "/app/write")
    assert response.status_code == 200
    assert response.text == "written by write(), returned"


def test_custom_status_multiple_cookies_latin1_header(httpd, clean_log):
    response = get(httpd, "/app/status")
    assert response.status_code == 299
    assert response.reason == "Custom Reason"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/",
                                                           "b=2; Path=/"]
    assert response.raw.headers["X-Latin"].encode("latin-1") == b"caf\xe9"
    assert response.text == "custom"


def test_close_is_called(httpd, clean_log):
    marker = uuid.uuid4().hex
    response = get(httpd, "/app/closing?id=" + marker)
    assert response.text == "block 0\nblock 1\nblock 2\n"
    assert httpd.wait_for_var("closed-" + marker) == "closed"


def test_close_is_called_when_client_goes_away(httpd, clean_log):
    marker = uuid.uuid4().hex
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /app/closing?blocks=100000&delay=0.0005&id=%s "
                     b"HTTP/1.1\r\nHost: wsgi.test\r\n\r\n" % marker.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert httpd.wait_for_var("closed-" + marker, timeout=60) == "closed"


def test_streamed_response_is_not_held_back(httpd, clean_log):
    arrivals = []
    with requests.get(httpd.url("/app/stream"), headers={"Host": HOST},
                      stream=True, timeout=20) as response:
        for line in response.iter_lines():
            arrivals.append(time.time())
    assert len(arrivals) == 3
    assert arrivals[2] - arrivals[0] > 0.6      # blocks came as produced


def test_exc_info_replaces_the_unsent_response(httpd, clean_log):
    response = get(httpd, "/app/excinfo")
    assert response.status_code == 500
    assert response.text == "replaced by the error response"


def test_application_exception_is_a_500_with_traceback(httpd):
    offset = httpd.error_log_size()
    response = get(httpd, "/app/error")
    assert response.status_code == 500
    httpd.assert_log("application failure marker", since=offset)


@pytest.mark.parametrize("offset,length", [(0, None), (1000, None),
                                           (500, "2000")])
def test_file_wrapper_validated(httpd, data_file, clean_log, offset,
                                length):
    """Under the validator the wrapper is hidden (it wraps the iterable):
    the server iterates it, blocks of 4096 bytes."""
    path = "/app/file?offset=%d" % offset
    if length:
        path += "&length=" + length
    response = get(httpd, path)
    assert response.status_code == 200
    expected = DATA[offset:offset + int(length)] if length else DATA[offset:]
    assert response.content == expected


@pytest.mark.parametrize("offset,length", [(0, None), (1000, None),
                                           (500, "2000"), (0, "200000")])
def test_file_wrapper_uses_sendfile(httpd, data_file, offset, length):
    """A FileWrapper of a regular file goes to Apache as a file bucket
    from the file's position: the application's read() is never called
    (it would leave a marker), and Content-Length is the file's rest."""
    marker = uuid.uuid4().hex
    path = "/raw/file?offset=%d&id=%s" % (offset, marker)
    if length:
        path += "&length=" + length
    offset_log = httpd.error_log_size()
    response = raw_request(httpd.port, "GET", path, HOST)
    assert response.status == 200
    expected = DATA[offset:offset + int(length)] if length else DATA[offset:]
    assert response.body == expected
    assert response.header(b"Content-Length") == str(len(expected)).encode() \
        or length == "200000"
    assert httpd.read_var("read-" + marker) is None
    assert httpd.wait_for_var("closed-" + marker) == "closed"
    if length == "200000":          # file shorter than its Content-Length
        httpd.assert_log("MP07005", since=offset_log)


def test_content_length_longer_body_is_truncated(httpd, clean_log):
    offset = httpd.error_log_size()
    response = raw_request(httpd.port, "GET", "/app/length?cl=4", HOST)
    assert response.status == 200
    assert response.body == b"0123"
    httpd.assert_log("MP07004", since=offset)


def test_content_length_shorter_body_closes_connection(httpd, clean_log):
    offset = httpd.error_log_size()
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) as sock:
        sock.sendall(b"GET /app/length?cl=15 HTTP/1.1\r\nHost: wsgi.test\r\n\r\n")
        data = read_to_close(sock)   # keep-alive asked: ends only if closed
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 15" in head
    assert body == b"0123456789"
    httpd.assert_log("MP07005", since=offset)


# ------------------------------------------- what the server must refuse

@pytest.mark.parametrize("which", ["crlf", "lf-name", "nul", "hop",
                                   "transfer-encoding", "not-latin1",
                                   "not-tuple", "badstatus", "twice",
                                   "nostart", "notbytes"])
def test_bad_response_is_a_500_with_reason(httpd, which):
    offset = httpd.error_log_size()
    response = raw_request(httpd.port, "GET", "/raw/" + which, HOST)
    assert not response.header_list(b"Injected")
    assert response.status == 500, response.body
    assert b"should not be sent" not in response.body
    log = httpd.wait_for_log("mod_python.wsgi: MP0700", since=offset)
    assert "MP0700" in log


def test_str_body_block_is_sent_as_utf8(httpd):
    response = raw_request(httpd.port, "GET", "/raw/str", HOST)
    assert response.status == 200
    assert response.body == "caf\u00e9 ".encode() + b"and bytes"


@pytest.mark.parametrize("which", ["late-error", "late-notbytes",
                                   "late-excinfo"])
def test_failure_after_the_first_block_closes_the_connection(httpd, which):
    """Once part of the body is out, the status cannot change: the
    connection is closed without the end of the chunked body, so the
    client knows the response is incomplete (Doc/wsgi.rst)."""
    offset = httpd.error_log_size()
    with socket.create_connection(("127.0.0.1", httpd.port),
                                  timeout=20) as sock:
        sock.sendall(b"GET /raw/%s HTTP/1.1\r\nHost: wsgi.test\r\n\r\n"
                     % which.encode())
        started = time.monotonic()
        data = read_to_close(sock)
    assert time.monotonic() - started < 3        # not KeepAliveTimeout
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), data
    assert b"first block;" in body
    assert b"not sent" not in body
    assert not body.endswith(b"0\r\n\r\n"), data
    assert "late failure marker" in httpd.error_log_since(offset) \
        or which == "late-notbytes"
    if which == "late-notbytes":
        httpd.assert_log("MP07009", since=offset)


@pytest.mark.parametrize("path, logged", [
    ("/noapp/", "MP07001"), ("/nooption/", "MP07001"),
    ("/nomodule/", "No module named 'no_such_wsgi_module'")])
def test_missing_application_is_a_500(httpd, path, logged):
    """Never a decline that would let Apache serve the file the URL names
    (3.5 did): a missing callable or option (MP07001), a module that
    cannot be imported (its ImportError)."""
    offset = httpd.error_log_size()
    response = get(httpd, path)
    assert response.status_code == 500
    httpd.assert_log(logged, since=offset)


# ------------------------------------------------ interpreters, reloading

def test_one_application_per_interpreter(httpd, clean_log):
    first = get(httpd, "/app/interpreter").json()
    second = get(httpd, "/second/interpreter").json()
    assert first["interpreter"] == HOST
    assert second["interpreter"] == "wsgi_second"


def test_autoreload_picks_up_a_changed_application(httpd):
    module = httpd.htdocs / "wsgi" / "reloadable.py"
    source = ("def application(environ, start_response):\n"
              "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
              "    return [b'version %d']\n")
    module.write_text(source % 1)
    module.chmod(0o644)
    assert get(httpd, "/reload/").text == "version 1"
    time.sleep(0.05)
    module.write_text(source % 2)
    stamp = time.time() + 2
    import os
    os.utime(module, (stamp, stamp))
    for _ in range(20):         # every child that loaded it reloads it
        assert get(httpd, "/reload/").text == "version 2"


# ------------------------------------------------- Flask and Django apps

FRAMEWORKS = ["flask", "django"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_routing_and_query(httpd, framework):
    response = get(httpd, "/%s/user/ann/42?x=1&y=two" % framework)
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["name"] == "ann" and got["number"] == 42
    assert got["args"] == {"x": "1", "y": "two"}
    assert got["path"] == "/%s/user/ann/42" % framework
    index = get(httpd, "/%s/" % framework)
    assert index.text == "Hello from %s" % framework.capitalize()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_form_and_json(httpd, framework):
    response = post(httpd, "/%s/form" % framework,
                    data={"a": ["1", "2"], "b": "caf\u00e9"})
    assert response.json()["form"] == {"a": ["1", "2"], "b": ["caf\u00e9"]}
    response = post(httpd, "/%s/json" % framework,
                    json={"numbers": [1, 2, 3], "text": "\u20ac"})
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"received": {"numbers": [1, 2, 3],
                                            "text": "\u20ac"},
                               "doubled": [2, 4, 6]}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_redirect(httpd, framework):
    response = get(httpd, "/%s/go" % framework)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/%s/user/redirected/7" % framework)
    followed = get(httpd, "/%s/go" % framework, allow_redirects=True)
    assert followed.json()["name"] == "redirected"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_cookies(httpd, framework):
    session = requests.Session()
    url = httpd.url("/%s/cookie/set" % framework)
    response = session.get(url, headers={"Host": HOST}, timeout=20)
    assert len(response.raw.headers.getlist("Set-Cookie")) == 2
    got = session.get(httpd.url("/%s/cookie/get" % framework),
                      headers={"Host": HOST}, timeout=20,
                      cookies={"flavour": "oatmeal", "size": "large"}).json()
    assert got == {"flavour": "oatmeal", "size": "large"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_file_upload(httpd, framework):
    content = bytes(range(256)) * 2000          # 512000 bytes
    response = post(httpd, "/%s/upload" % framework,
                    files={"file": ("data.bin", content)},
                    data={"note": "hello"})
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "data.bin", "size": len(content),
                               "sha256": hashlib.sha256(content).hexdigest(),
                               "note": "hello"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_streamed_response(httpd, framework):
    response = get(httpd, "/%s/stream" % framework)
    assert response.status_code == 200
    assert response.headers.get("Transfer-Encoding") == "chunked"
    assert response.text == "".join("line %d\n" % n for n in range(5))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_error_pages(httpd, framework):
    assert get(httpd, "/%s/missing" % framework).status_code == 404
    offset = httpd.error_log_size()
    response = get(httpd, "/%s/boom" % framework)
    assert response.status_code == 500
    assert "failure marker" not in response.text      # no debug page
    # the framework logs the traceback through wsgi.errors / logging
    httpd.assert_log("%s failure marker" % framework, since=offset)


# ---------------------------------------------- the worker MPM, threads

@pytest.fixture(scope="module")
def worker():
    from harness import Httpd
    server = Httpd("worker", "StartServers 1\nThreadsPerChild 16\n" + CONFIG)
    try:
        yield server.start()
    finally:
        server.stop()
        crashes = server.crash_lines()
        server.cleanup()
        assert crashes == []


def test_worker_mpm_concurrent_applications(worker):
    """Threads of one child run the validated app, Flask and Django at
    once: every answer right, no validator complaint, no crash."""
    import concurrent.futures
    offset = worker.error_log_size()
    paths = ["/app/env", "/flask/user/t/1", "/django/user/t/2",
             "/app/write"] * 40

    def fetch(path):
        return path, worker.get(path, host=HOST)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(fetch, paths))
    for path, response in results:
        assert response.status_code == 200, (path, response.text)
        if path == "/app/env":
            assert response.json()["wsgi"]["multithread"] is True
        elif path == "/app/write":
            assert response.text == "written by write(), returned"
        else:
            assert response.json()["name"] == "t"
    log = worker.error_log_since(offset)
    assert "AssertionError" not in log and "Traceback" not in log, log


# ------------------------------------------------------------------ TLS

WSGI_SSL_CONFIG = """
LoadModule ssl_module {modules}/mod_ssl.so
Listen 127.0.0.1:{ssl_port} https
<VirtualHost 127.0.0.1:{ssl_port}>
    ServerName wsgi-ssl.test
    SSLEngine on
    SSLCertificateFile {tmp}/ssl/cert.pem
    SSLCertificateKeyFile {tmp}/ssl/key.pem
    DocumentRoot {htdocs}/wsgi
    SetEnv MP_TEST_VAR {var}
    PythonPath "sys.path+['{htdocs}/wsgi']"
    <Location />
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application apps
    </Location>
</VirtualHost>
"""


def test_url_scheme_https_over_tls(mpm):
    import os
    import shutil
    import warnings
    from harness import Httpd, free_port, modules_dir
    from test_api_ssl import make_certificate
    if not shutil.which("openssl") \
            or not os.path.exists(os.path.join(modules_dir(), "mod_ssl.so")):
        pytest.skip("needs openssl and mod_ssl")
    ssl_port = free_port()
    server = Httpd(mpm, WSGI_SSL_CONFIG.replace("{modules}", modules_dir())
                   .replace("{ssl_port}", str(ssl_port)))
    try:
        make_certificate(server.tmp / "ssl")
        server.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            env = requests.get("https://127.0.0.1:%d/env" % ssl_port,
                               headers={"Host": "wsgi-ssl.test"},
                               verify=False, timeout=20).json()
        assert env["wsgi"]["url_scheme"] == "https"
        assert env["HTTPS"] == "on"
        assert env["SCRIPT_NAME"] == ""         # <Location />
        assert env["PATH_INFO"] == "/env"
        assert server.crash_lines() == []
    finally:
        server.stop()
        server.cleanup()
