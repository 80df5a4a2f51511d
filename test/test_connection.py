"""Connection handlers (manual 4.4, 5.3.1): the echo server and conn I/O."""

import socket
import time

import pytest

from harness import Httpd, free_port


@pytest.fixture(scope="module")
def echo_server(mpm):
    echo_port, members_port = free_port(), free_port()
    declining_port = free_port()
    config = """
Listen 127.0.0.1:%d
Listen 127.0.0.1:%d
Listen 127.0.0.1:%d
<VirtualHost 127.0.0.1:%d>
    ServerName echo.test
    PythonConnectionHandler echo
</VirtualHost>
<VirtualHost 127.0.0.1:%d>
    ServerName members.test
    PythonConnectionHandler connmembers
</VirtualHost>
<VirtualHost 127.0.0.1:%d>
    ServerName declining.test
    DocumentRoot {htdocs}/connection/declined-docs
    PythonConnectionHandler declining
</VirtualHost>
""" % (echo_port, members_port, declining_port, echo_port, members_port,
       declining_port)
    server = Httpd(mpm, config, extra_pythonpath=["connection"])
    server.echo_port = echo_port
    server.members_port = members_port
    server.declining_port = declining_port
    try:
        yield server.start()
    finally:
        server.stop()
        crashes = server.crash_lines()
        server.cleanup()
        assert crashes == []


def recv_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_echo_1000_lines_over_one_connection(echo_server):
    lines = [b"line %d with some text\n" % i for i in range(1000)]
    with socket.create_connection(("127.0.0.1", echo_server.echo_port),
                                  timeout=10) as sock:
        for line in lines:
            sock.sendall(line)
            assert recv_exactly(sock, len(line)) == line


def test_echo_many_lines_pipelined(echo_server):
    payload = b"".join(b"pipelined %d\n" % i for i in range(1000))
    with socket.create_connection(("127.0.0.1", echo_server.echo_port),
                                  timeout=10) as sock:
        sock.sendall(payload)
        assert recv_exactly(sock, len(payload)) == payload


def test_client_disconnecting_mid_line(echo_server):
    offset = echo_server.error_log_size()
    with socket.create_connection(("127.0.0.1", echo_server.echo_port),
                                  timeout=10) as sock:
        sock.sendall(b"complete line\n")
        assert recv_exactly(sock, 14) == b"complete line\n"
        sock.sendall(b"half a li")
    # the handler sees the end of input and stops; the server goes on
    log = echo_server.wait_for_log("connection closed by the client",
                                   since=offset)
    assert "connection closed by the client" in log
    with socket.create_connection(("127.0.0.1", echo_server.echo_port),
                                  timeout=10) as sock:
        sock.sendall(b"still here\n")
        assert recv_exactly(sock, 11) == b"still here\n"
    assert echo_server.crash_lines() == []


def test_conn_members_read_length_and_read_all(echo_server):
    with socket.create_connection(("127.0.0.1", echo_server.members_port),
                                  timeout=10) as sock:
        sock.sendall(b"hello\n")
        first = b""
        while not first.endswith(b"\n"):
            first += sock.recv(100)
        assert first == b"remote_ip=127.0.0.1 local_port=%d base=members.test\n" \
            % echo_server.members_port
        sock.sendall(b"12")
        time.sleep(0.2)
        sock.sendall(b"345678")     # read(5) blocks until 5 bytes arrived
        sock.sendall(b"9" * 10000)
        sock.shutdown(socket.SHUT_WR)
        rest = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    assert rest == b"five:12345\nrest:%d\n" % (3 + 10000)


def test_http_still_served_on_the_main_port(echo_server):
    response = echo_server.get("/")
    assert response.status_code in (200, 403, 404)


def test_a_declining_connection_handler_hands_over_to_http(echo_server):
    """DECLINED gives the connection back to Apache, which speaks HTTP on
    it (the handler's status is returned, as in 3.5)."""
    reply = read_all(echo_server.declining_port,
                     b"GET /page.txt HTTP/1.1\r\nHost: declining.test\r\n"
                     b"Connection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert reply.endswith(b"served by HTTP\n")


def read_all(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply


def test_virtual_hosts_inherit_the_main_servers_connection_handler(mpm):
    """Doc/directives.rst: one at server level takes over every virtual
    host that does not set its own (the harness's default host too)."""
    inheriting, own = free_port(), free_port()
    config = """
Listen 127.0.0.1:%d
Listen 127.0.0.1:%d
PythonConnectionHandler banner
<VirtualHost 127.0.0.1:%d>
    ServerName inheriting.test
</VirtualHost>
<VirtualHost 127.0.0.1:%d>
    ServerName own.test
    DocumentRoot {htdocs}/connection/declined-docs
    PythonConnectionHandler declining
</VirtualHost>
""" % (inheriting, own, inheriting, own)
    server = Httpd(mpm, config, extra_pythonpath=["connection"])
    request = (b"GET /page.txt HTTP/1.1\r\nHost: x\r\n"
               b"Connection: close\r\n\r\n")
    try:
        server.start()
        for port in (server.port, inheriting):
            assert read_all(port, request).endswith(
                b"banner connection handler\n"), port
        reply = read_all(own, request)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
        assert reply.endswith(b"served by HTTP\n")
    finally:
        server.stop()
        crashes = server.crash_lines()
        server.cleanup()
        assert crashes == []
