"""Reading the request body: read, readline, readlines with Content-Length
and chunked bodies, and a client that lies about the length."""

import hashlib
import os
import socket
import time
import uuid

import pytest

from test_api_client import RawResponse, chunked, request

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-body.test
    DocumentRoot {htdocs}/api/body
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/body>
        SetHandler mod_python
        PythonHandler bodymod
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName api-body-timeout.test
    Timeout 2
    DocumentRoot {htdocs}/api/body
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/body>
        SetHandler mod_python
        PythonHandler bodymod
    </Directory>
</VirtualHost>
"""

HOST = "api-body.test"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def body():
    """1 MiB of random bytes with newlines, CRLFs and NULs in it."""
    data = bytearray(os.urandom(MIB))
    for offset in range(0, MIB, 997):
        data[offset] = 0x0a
    for offset in range(500, MIB, 4001):
        data[offset:offset + 2] = b"\r\n"
    return bytes(data)


def post(httpd, path, data, chunk_size=None):
    headers = []
    if chunk_size:
        headers = [("Transfer-Encoding", "chunked")]
        data = chunked(data, chunk_size)
    response = request(httpd.port, "POST", path, HOST, headers=headers,
                       body=data, timeout=60)
    assert response.status == 200, response.body[:2000]
    return response.json()


def digest(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("chunk_size", [None, 65536, 1000],
                         ids=["content-length", "chunked-64k",
                              "chunked-1000"])
def test_read_all_and_one_byte_readlines_give_the_same_bytes(httpd, body,
                                                            chunk_size):
    whole = post(httpd, "/read", body, chunk_size)
    assert whole["type"] == "bytes"
    assert whole["length"] == MIB
    assert whole["sha256"] == digest(body)
    assert whole["again"] == 0
    bytewise = post(httpd, "/readline-1", body, chunk_size)
    assert bytewise["calls"] == MIB
    assert bytewise["sha256"] == whole["sha256"]


@pytest.mark.parametrize("chunk_size", [None, 777])
def test_read_with_a_size(httpd, body, chunk_size):
    result = post(httpd, "/read-sized?4096", body, chunk_size)
    assert result["sha256"] == digest(body)
    assert result["calls"] >= MIB // 4096


@pytest.mark.parametrize("chunk_size", [None, 333])
def test_readline_splits_at_newlines(httpd, body, chunk_size):
    result = post(httpd, "/readline", body, chunk_size)
    assert result["sha256"] == digest(body)
    assert result["calls"] == body.count(b"\n") + (not body.endswith(b"\n"))
    assert result["all_end_in_newline"]


def test_readline_with_a_limit(httpd):
    assert post(httpd, "/readline-limited", b"abcdef\nsecond line\nthird\n"
                b"rest") == ["abc", "def\n", "second line\n", "third\nrest"]


@pytest.mark.parametrize("chunk_size", [None, 50])
def test_readlines(httpd, body, chunk_size):
    result = post(httpd, "/readlines", body, chunk_size)
    assert result["sha256"] == digest(body)
    assert result["rest"] == 0
    assert result["types"] == ["bytes"]
    assert result["calls"] == body.count(b"\n") + (not body.endswith(b"\n"))
    hinted = post(httpd, "/readlines?10000", body, chunk_size)
    assert hinted["sha256"] == digest(body)
    assert hinted["rest"] > 0
    assert 10000 <= hinted["length"] - hinted["rest"] < 10000 + 2000


def test_readline_and_read_share_the_read_ahead(httpd):
    assert post(httpd, "/mixed", b"line one\n12345the rest\nmore",
                chunk_size=4) == ["line one\n", "12345", "the rest\nmore"]


def test_no_body_reads_empty(httpd):
    response = request(httpd.port, "GET", "/read", HOST)
    assert response.json()["length"] == 0
    response = request(httpd.port, "POST", "/readlines", HOST,
                       headers=[("Content-Length", "0")])
    assert response.json()["calls"] == 0


def test_expect_100_continue(httpd):
    head = (b"POST /read HTTP/1.1\r\nHost: api-body.test\r\n"
            b"Content-Length: 5\r\nExpect: 100-continue\r\n"
            b"Connection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) \
            as sock:
        sock.sendall(head)
        interim = sock.recv(1000)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"hello")
        raw = b""
        while True:
            part = sock.recv(65536)
            if not part:
                break
            raw += part
    result = RawResponse(raw).json()
    assert result["sha256"] == digest(b"hello")


def test_lying_content_length_times_out_with_ioerror(httpd):
    trace_id = uuid.uuid4().hex
    head = (b"POST /timeout HTTP/1.1\r\nHost: api-body-timeout.test\r\n"
            b"Content-Length: 1000\r\nX-Trace-Id: " + trace_id.encode()
            + b"\r\nConnection: close\r\n\r\n0123456789")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=30) \
            as sock:
        sock.sendall(head)
        raw = b""
        while True:
            part = sock.recv(65536)
            if not part:
                break
            raw += part
    elapsed = time.monotonic() - started
    outcome = httpd.wait_for_var(trace_id)
    assert outcome is not None and outcome.startswith("OSError: "), outcome
    assert "timeout" in outcome
    assert 1.5 < elapsed < 15
    # the child is free again: the server answers at once
    started = time.monotonic()
    response = request(httpd.port, "GET", "/quick", "api-body-timeout.test")
    assert response.body == b"quick"
    assert time.monotonic() - started < 2
    assert httpd.crash_lines() == []
