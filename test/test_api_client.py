"""A raw HTTP/1.x client for the test_api_* modules (no tests here).

requests/urllib normalise what they send; these helpers send exactly the
bytes given, so tests can use invalid UTF-8, NUL bytes, lying
Content-Length headers and hand-made chunked bodies.
"""

import socket
import time


class RawResponse:
    """status (int), headers (list of (name, value) bytes), body (bytes)."""

    def __init__(self, raw):
        self.raw = raw
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if not lines or not lines[0].startswith(b"HTTP/"):
            raise ValueError("not an HTTP response: %r" % raw[:200])
        self.status = int(lines[0].split()[1])
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            self.headers.append((name.strip(), value.strip()))
        if (self.header(b"Transfer-Encoding") or b"").lower() == b"chunked":
            body = dechunk(body)
        self.body = body

    def header(self, name):
        """The first value of header name (bytes), or None."""
        values = self.header_list(name)
        return values[0] if values else None

    def header_list(self, name):
        return [value for key, value in self.headers
                if key.lower() == name.lower()]

    def json(self):
        import json
        return json.loads(self.body.decode("utf-8"))


def dechunk(body):
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2:]
    return out


def send_raw(port, data, timeout=20, pause_after=None, sockname=None):
    """Send data on a new connection, read until the server closes it.

    data: bytes, or a list of bytes sent one after the other (with
    pause_after seconds between them).  Returns the raw response bytes;
    sockname (a list), if given, receives the client's (ip, port)."""
    chunks = data if isinstance(data, list) else [data]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        if sockname is not None:
            sockname.append(sock.getsockname())
        for chunk in chunks:
            sock.sendall(chunk)
            if pause_after:
                time.sleep(pause_after)
        received = b""
        while True:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            received += part
    return received


def request(port, method, target, host, headers=(), body=b"",
            protocol=b"HTTP/1.1", timeout=20):
    """Send one request (Connection: close) and parse the response.

    method, target, host: bytes or str (str is encoded as Latin-1, so any
    byte can be written as a character).  headers: (name, value) pairs."""
    def raw(text):
        return text if isinstance(text, bytes) else text.encode("latin-1")
    lines = [raw(method) + b" " + raw(target) + b" " + raw(protocol),
             b"Host: " + raw(host)]
    lines += [raw(name) + b": " + raw(value) for name, value in headers]
    names = [raw(name).lower() for name, _ in headers]
    if body and b"content-length" not in names \
            and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    sockname = []
    response = RawResponse(send_raw(port, data, timeout=timeout,
                                    sockname=sockname))
    response.client_address = sockname[0]
    response.request_line = lines[0]
    return response


def chunked(body, size=1000):
    """body in chunked transfer coding, size bytes per chunk."""
    out = b""
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"
