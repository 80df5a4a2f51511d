"""mod_python.cgihandler: what one request must not do to another (slow
clients, other directories' modules), what a script's environment and
headers may be, and local redirects as mod_cgi does them."""

import hashlib
import os
import socket
import threading
import uuid

import pytest
import requests

from harness import Httpd
from test_api_client import dechunk

CONFIG = """
<VirtualHost *:{port}>
    ServerName cgisec.test
    DocumentRoot {htdocs}/cgisec
    SetEnv CGI_SET_BY_CONFIG configured
    SetEnv MEET_DIR {var}/meet
    <Directory {htdocs}/cgisec>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
        PythonDebug Off
    </Directory>
    <Directory {htdocs}/cgisec/passenv>
        PassEnv PYTHONPATH
    </Directory>
    <Directory {htdocs}/cgisec/limited>
        LimitRequestBody 100
    </Directory>
</VirtualHost>
"""

HOST = "cgisec.test"
# Longer than any answer should take, shorter than the server's Timeout
# (30 s): a request that needs this long is waiting for another one.
STALLED = 10


def get(httpd, path, **kwargs):
    return httpd.get(path, host=HOST, **kwargs)


def session():
    """A keep-alive session (one connection: one process)."""
    new = requests.Session()
    new.headers["Host"] = HOST
    return new


def connect(httpd, receive_buffer=None):
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", httpd.port))
    return sock


def read_response(sock, data=b""):
    """(status, headers dict, body) of one response on a closing
    connection (data: what was received of it already)."""
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), headers, body


def receive_until(sock, marker):
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError("connection closed before %r: %r"
                                 % (marker, data))
        data += chunk
    return data


# ------------------------------------------------------ the environment

def test_scripts_see_cgi_variables_not_the_server_environment(httpd):
    """As under mod_cgi: the CGI variables, PATH and what SetEnv/PassEnv
    give; not HOME, PYTHONPATH or the rest of httpd's environment."""
    env = get(httpd, "/hdr/env.py").json()
    assert env["PATH"]
    assert env["CGI_SET_BY_CONFIG"] == "configured"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SCRIPT_FILENAME"] == str(httpd.htdocs / "cgisec" / "hdr"
                                         / "env.py")
    assert "PYTHONPATH" not in env       # set in httpd's environment
    # PATH and LD_LIBRARY_PATH are what httpd's ap_add_common_vars gives
    # every CGI script (mod_cgi too); a test leg sets the latter
    leaked = sorted(name for name in httpd.environment()
                    if name not in ("PATH", "LD_LIBRARY_PATH") and name in env)
    assert leaked == []


def test_passenv_passes_a_server_variable(httpd):
    env = get(httpd, "/passenv/env.py").json()
    assert env["PYTHONPATH"] == httpd.environment()["PYTHONPATH"]


# ------------------------------------------------------- script headers

def test_a_header_block_over_64_kib_is_refused(httpd):
    since = httpd.error_log_size()
    response = get(httpd, "/hdr/big_header.py")
    assert response.status_code == 500
    assert "big header body" not in response.text
    log = httpd.wait_for_log("MP03003", since)
    assert "MP03003: %s: script headers longer than 65536 bytes" % (
        httpd.htdocs / "cgisec" / "hdr" / "big_header.py") in log


@pytest.mark.parametrize("script, status", [
    ("status_700", "700 Way Out"), ("status_99", "99")])
def test_a_status_outside_100_to_599_is_a_plain_500(httpd, script, status):
    since = httpd.error_log_size()
    response = get(httpd, "/hdr/%s.py" % script)
    assert response.status_code == 500
    assert response.reason == "Internal Server Error"
    assert "the script's own body" not in response.text
    log = httpd.wait_for_log("MP03005", since)
    assert "MP03005: %s: bad Status header from script: '%s'" % (
        httpd.htdocs / "cgisec" / "hdr" / (script + ".py"), status) in log


def test_an_unparsable_status_is_a_500(httpd):
    since = httpd.error_log_size()
    response = get(httpd, "/hdr/status_abc.py")
    assert response.status_code == 500
    assert "the script's own body" not in response.text
    log = httpd.wait_for_log("MP03005", since)
    assert "MP03005: %s: bad Status header from script: 'abc'" % (
        httpd.htdocs / "cgisec" / "hdr" / "status_abc.py") in log


def test_a_lower_case_status_header_is_the_status(httpd):
    response = get(httpd, "/hdr/status_lower.py")
    assert response.status_code == 404
    assert response.text == "lower-case status\n"


def test_header_lines_with_invalid_names_are_dropped(httpd):
    """'<!--: spam' (cgitb's first line) and 'Bad Name:' are not HTTP
    field names: dropped (MP03009), the rest of the answer stands."""
    since = httpd.error_log_size()
    response = get(httpd, "/hdr/bad_names.py")
    assert response.status_code == 200
    assert response.text == "the body\n"
    assert response.headers["X-Good"] == "kept"
    assert "Bad Name" not in response.headers
    log = httpd.wait_for_log("ignored: 'Bad Name'", since)
    assert "MP03009: %s: header line with an invalid name ignored: " \
        "'<!--'" % (httpd.htdocs / "cgisec" / "hdr" / "bad_names.py") in log


# ------------------------------------------------------ local redirects

def test_a_local_redirect_of_a_post_is_a_get_without_body(httpd):
    """mod_cgi turns the request into a GET and drops the body."""
    response = httpd.post("/hdr/redirect_local.py", host=HOST,
                          data=b"posted body")
    assert response.status_code == 200
    assert response.text == "method=GET length=None query=from=redirect " \
        "body=''\n"


def test_after_a_local_redirect_the_connection_is_usable(httpd):
    """The body of the redirected POST is not read as the next request."""
    with session() as client:
        response = client.post(httpd.url("/hdr/redirect_local.py"),
                                data=b"GET /fast/hello.py HTTP/1.1\r\n\r\n")
        assert response.status_code == 200
        assert response.text.startswith("method=GET")
        response = client.get(httpd.url("/hdr/method.py?second"))
        assert response.status_code == 200
        assert response.text.startswith("method=GET length=None "
                                        "query=second")


# ---------------------------------------- modules of other directories

def test_each_directory_gets_its_own_helper_module(httpd):
    """one/ and two/ each have helper.py and a script doing `import
    helper`: whatever ran before, each gets its own, and its directory is
    first on sys.path."""
    for path in ("/one/which.py", "/two/which.py", "/one/which.py",
                 "/two/which.py", "/one/which.py"):
        expected = "helper=%s first=True\n" % path.split("/")[1]
        # several requests each, so every child of the MPM has seen both
        for _ in range(4):
            response = get(httpd, path)
            assert response.status_code == 200
            assert response.text == expected, path


def test_a_module_of_another_script_directory_is_not_importable(httpd):
    """only_in_two.py is in two/ only: a script of one/ cannot import it,
    even after scripts of two/ ran (as under CGI)."""
    for _ in range(4):
        assert get(httpd, "/two/which.py").status_code == 200
        assert get(httpd, "/one/foreign.py").text == "ImportError\n"


# ----------------------------------------------------------- slow clients

# Under a threaded MPM, one process: the stalled request and the other one
# provably share the gate (with several processes the other request may
# be served by another one and pass whatever the gate does).  Under
# prefork a process serves one request at a time: nothing to share.
ONE_PROCESS = """
ServerLimit 1
StartServers 1
ThreadsPerChild 10
MaxRequestWorkers 10
MinSpareThreads 1
MaxSpareThreads 10
"""


@pytest.fixture(scope="module")
def one_process(mpm):
    """A server of its own with one process under a threaded MPM."""
    server = Httpd(mpm, (ONE_PROCESS if mpm != "prefork" else "") + CONFIG,
                   name="mp-cgisec")
    try:
        server.start()
        yield server
        assert server.crash_lines() == []
    finally:
        server.cleanup()


def test_a_held_request_body_stalls_no_other_directory(one_process):
    """A POST whose body is held after 10 of 100 bytes, to a script that
    reads stdin: a script of another directory still answers at once.

    Expect: 100-continue makes the server say when the handler starts
    reading the body, so the body is provably being waited for while the
    other request runs."""
    sock = connect(one_process)
    try:
        sock.sendall(b"POST /slow/echo.py HTTP/1.1\r\nHost: cgisec.test\r\n"
                     b"Content-Length: 100\r\nExpect: 100-continue\r\n"
                     b"Connection: close\r\n\r\n")
        assert receive_until(sock, b"\r\n\r\n").startswith(
            b"HTTP/1.1 100 Continue")
        sock.sendall(b"0123456789")
        response = get(one_process, "/fast/hello.py", timeout=STALLED)
        assert response.status_code == 200
        assert response.text == "fast\n"
        sock.sendall(b"x" * 90)
        status, _, body = read_response(sock)
    finally:
        sock.close()
    assert status == 200
    assert body == b"got 100: 0123456789" + b"x" * 90


def test_an_unread_response_stalls_no_other_directory(one_process):
    """A client that reads the start of a 12.5 MB response and then stops
    reading: a script of another directory still answers at once."""
    sock = connect(one_process, receive_buffer=4096)
    try:
        sock.sendall(b"GET /slow/big.py HTTP/1.1\r\nHost: cgisec.test\r\n"
                     b"Connection: close\r\n\r\n")
        head = receive_until(sock, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        response = get(one_process, "/fast/hello.py", timeout=STALLED)
        assert response.status_code == 200
        assert response.text == "fast\n"
        # a small window makes reading 12.5 MB slow (15 s under prefork)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        status, _, body = read_response(sock, head)
        assert status == 200
        assert len(body) == 12500000
    finally:
        sock.close()


def test_a_body_over_limit_request_body_is_413_before_the_script(httpd):
    """LimitRequestBody 100: a 101-byte body, announced or chunked, is
    Apache's 413 and the script never runs (MP03007); 100 bytes pass."""
    assert get(httpd, "/limited/echo.py").text == "got 0"
    offset = httpd.error_log_size()
    for body in (b"x" * 101, iter([b"x" * 60, b"y" * 60])):
        response = httpd.post("/limited/echo.py", host=HOST, data=body)
        assert response.status_code == 413, response.text
        assert "got" not in response.text
    log = httpd.wait_for_log("MP03007", since=offset)
    assert "the request body could not be read" in log
    assert "CGI-LIMITED-RAN" not in httpd.error_log_since(offset)
    response = httpd.post("/limited/echo.py", host=HOST, data=b"x" * 100)
    assert (response.status_code, response.text) == (200, "got 100")


def test_a_body_the_client_stops_sending_is_400_before_the_script(httpd):
    """Content-Length 50, 10 bytes, then the client closes its side: the
    body cannot be read, 400 with MP03007, and the script never runs."""
    offset = httpd.error_log_size()
    sock = connect(httpd)
    try:
        sock.sendall(b"POST /limited/echo.py HTTP/1.1\r\nHost: " +
                     HOST.encode() + b"\r\nContent-Length: 50\r\n"
                     b"Connection: close\r\n\r\n" + b"x" * 10)
        sock.shutdown(socket.SHUT_WR)
        status, _, body = read_response(sock)
    finally:
        sock.close()
    assert status == 400
    assert b"got" not in body
    log = httpd.wait_for_log("MP03007", since=offset)
    assert "the request body could not be read" in log
    assert "CGI-LIMITED-RAN" not in httpd.error_log_since(offset)


def test_a_large_body_is_not_held_in_memory(httpd):
    """A 48 MB body reaches the script whole, and the process's peak
    memory grows by far less than that (spooled to a temporary file)."""
    body = os.urandom(1 << 20) * 48
    with session() as client:
        before, pid = client.get(httpd.url("/memory/peak.py")) \
            .text.split()
        response = client.post(httpd.url("/memory/sink.py"), data=body)
        assert response.status_code == 200
        digest, after = response.text.split()
        again = client.get(httpd.url("/memory/peak.py")).text.split()
    assert digest == hashlib.sha256(body).hexdigest()
    assert again[1] == pid, "not the same process: cannot compare"
    assert int(after) - int(before) < 16 * 1024, (before, after)


def test_a_large_response_is_not_held_in_memory(httpd):
    """40 MB of output reach the client whole, and the process's peak
    memory grows by far less than that."""
    with session() as client:
        before, pid = client.get(httpd.url("/memory/peak.py")) \
            .text.split()
        response = client.get(httpd.url("/memory/spew.py"))
        assert response.status_code == 200
        assert len(response.content) == 640 * 65536
        after, again = client.get(httpd.url("/memory/peak.py")) \
            .text.split()
    assert again == pid, "not the same process: cannot compare"
    assert int(after) - int(before) < 16 * 1024, (before, after)


# --------------------------------------------------- concurrent scripts

def test_concurrent_scripts_each_see_their_own_request(httpd):
    """Five requests for one script that waits until all five are
    running: so they are all inside the gate at once, and with at most
    four processes (ServerLimit) at least two of them share a process
    under event.  Each must see its own query string, header and body."""
    group = uuid.uuid4().hex[:12]
    meet_dir = httpd.var / "meet" / group
    meet_dir.mkdir(parents=True)
    os.chmod(meet_dir.parent, 0o777)
    os.chmod(meet_dir, 0o777)
    count = 5
    results = {}

    def run(name):
        response = httpd.post("/meet/meet.py?%s-%d-%s" % (group, count, name),
                              host=HOST, data=("body-" + name).encode(),
                              headers={"X-Token": "token-" + name},
                              timeout=40)
        results[name] = response

    threads = [threading.Thread(target=run, args=("n%d" % n,))
               for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cwd = str(httpd.htdocs / "cgisec" / "meet")
    pids = []
    for name, response in sorted(results.items()):
        assert response.status_code == 200
        assert response.headers["X-Name"] == name
        fields = dict(item.split("=", 1) for item in response.text.split())
        assert fields["met"] == "True", response.text
        assert fields["query"] == "%s-%d-%s" % (group, count, name)
        assert fields["body"] == "body-" + name
        assert fields["token"] == "token-" + name
        assert fields["cwd"] == cwd
        pids.append(fields["pid"])
    assert len(results) == count
    if httpd.mpm == "event":
        assert len(set(pids)) < count, pids     # threads of one process met
