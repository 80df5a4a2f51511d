"""Replay the hostile-input corpus (corpus/*.http) over raw sockets.

Used by test_security.py (default suite, both MPMs) and by
test/stress/stress_valgrind.py.  Each case is sent as it is on a new
connection; the client then half-closes and reads until the server closes
(or ``timeout``).  An acceptable outcome is an HTTP answer whose first
final status is 2xx, 3xx, 4xx or 5xx, a clean close without an answer, or
(for the "http09" cases) a body without a status line.  Whether a child
crashed is read from the error log by the caller.
"""

import concurrent.futures
import re
import socket
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

CONFIG = """
<VirtualHost *:{port}>
    ServerName fuzz.test
    DocumentRoot {htdocs}/reliability/fuzz
    LimitRequestBody 1048576
    <Directory {htdocs}/reliability/fuzz/h>
        SetHandler mod_python
        PythonHandler fuzzmod
    </Directory>
    <Location /h/many>
        PythonOption mod_python.util.max_fields 0
    </Location>
    <Directory {htdocs}/reliability/fuzz/pub>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
    </Directory>
    <Directory {htdocs}/reliability/fuzz/cgi>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName fuzz-debug.test
    DocumentRoot {htdocs}/reliability/fuzz
    PythonDebug On
    <Directory {htdocs}/reliability/fuzz/h>
        SetHandler mod_python
        PythonHandler fuzzmod
    </Directory>
    <Directory {htdocs}/reliability/fuzz/pub>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
    </Directory>
    <Directory {htdocs}/reliability/fuzz/cgi>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
    </Directory>
</VirtualHost>
"""

_STATUS = re.compile(rb"^HTTP/\d\.\d (\d\d\d)")


class Outcome:
    """kind: 'answer', 'close' (no byte back), 'http09' (a body without a
    status line), 'timeout' or 'bad' (anything else)."""

    def __init__(self, name, kind, status=None, detail="", seconds=0.0):
        self.name = name
        self.kind = kind
        self.status = status
        self.detail = detail
        self.seconds = seconds

    @property
    def acceptable(self):
        if self.kind == "answer":
            return 200 <= self.status < 600
        if self.kind == "http09":
            return "http09" in self.name
        return self.kind == "close"

    def __repr__(self):
        return "<%s: %s %s %s>" % (self.name, self.kind, self.status or "",
                                   self.detail[:120])


def load_corpus(pattern="*.http"):
    return {path.name: path.read_bytes()
            for path in sorted(CORPUS.glob(pattern))}


def send_case(port, data, timeout=15.0):
    """Send data, half-close, read everything; returns (bytes, error)."""
    received = b""
    with socket.create_connection(("127.0.0.1", port),
                                  timeout=timeout) as sock:
        deadline = time.monotonic() + timeout
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the server answered and closed before we finished
        while True:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                part = sock.recv(65536)
            except socket.timeout:
                return received, "timeout"
            except ConnectionResetError:
                return received, "reset"
            if not part:
                return received, None
            received += part


def classify(name, received, error, seconds=0.0):
    if error == "timeout":
        return Outcome(name, "timeout", detail=repr(received[:200]),
                       seconds=seconds)
    if not received:
        return Outcome(name, "close", detail=error or "", seconds=seconds)
    status = None
    rest = received
    while True:
        match = _STATUS.match(rest)
        if match is None:
            break
        status = int(match.group(1))
        if status >= 200:
            break
        rest = rest[rest.find(b"\r\n\r\n") + 4:]   # 100 Continue
    if status is None:
        return Outcome(name, "http09" if not received.startswith(b"HTTP/")
                       else "bad", detail=repr(received[:200]),
                       seconds=seconds)
    if status < 200:
        return Outcome(name, "bad", status, repr(received[:200]), seconds)
    return Outcome(name, "answer", status, received[:200].decode(
        "latin-1"), seconds)


def replay_case(port, name, data, timeout=15.0):
    started = time.monotonic()
    try:
        received, error = send_case(port, data, timeout)
    except OSError as exc:
        return Outcome(name, "bad", detail="connect/send: %r" % (exc,))
    return classify(name, received, error, time.monotonic() - started)


def replay_all(port, corpus=None, workers=8, timeout=15.0):
    """Replay every case (in parallel); returns a list of Outcome."""
    corpus = corpus if corpus is not None else load_corpus()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda item: replay_case(port, item[0],
                                                      item[1], timeout),
                             corpus.items()))
