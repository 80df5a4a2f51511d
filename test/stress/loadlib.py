"""Load generation for the reliability tests and the stress runs.

Shared by test/test_reliability.py (short runs, in the default suite) and
the stress_*.py scripts beside this file (long runs, see scripts/stress.sh
and Doc/reliability.rst).  Nothing here is collected by pytest.

* ``CONFIG``: three virtual hosts, each with its own interpreter naming
  rule (server name, PythonInterpreter, PythonInterpPerDirectory), serving
  the handlers of test/htdocs/reliability: a plain handler (hello, alloc,
  raise, body read through a Python input filter, output through a Python
  output filter, util.FieldStorage, util.parse_qs), the publisher, the
  cgihandler and a static file.
* ``Scenarios``: builds one request of a named kind and knows what its
  answer must be (status, body, the interpreter that ran it, the token the
  client sent), so a single wrong byte counts as a failed request.
* ``Connection``: a small keep-alive HTTP/1.1 client on a raw socket that
  tells timeouts, an idle keep-alive connection closed by the server before
  any answer (what Apache does on a graceful restart), and other socket
  errors apart.
* ``run_load``: N client threads for a time or a number of requests.
"""

import collections
import hashlib
import json
import random
import socket
import threading
import time
import urllib.parse

A, B, C = "rel-a.test", "rel-b.test", "rel-c.test"
HOSTS = (A, B, C)

_VHOST = """
<VirtualHost *:{{port}}>
    ServerName {name}
    DocumentRoot {{htdocs}}/reliability
    PythonPath "sys.path+['{{htdocs}}/reliability/app']"
    {interpreter}
    <Directory {{htdocs}}/reliability/app>
        SetHandler mod_python
        PythonHandler relapp
    </Directory>
    <Location /app/raise>
        PythonDebug On
    </Location>
    <Location /app/body>
        SetInputFilter RELPASS
    </Location>
    <Location /app/filtered>
        SetOutputFilter RELUPPER
    </Location>
    <Directory {{htdocs}}/reliability/pub>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
    </Directory>
    <Directory {{htdocs}}/reliability/cgi>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
    </Directory>
</VirtualHost>
"""

CONFIG = """
PythonOutputFilter relfilter::upper RELUPPER
PythonInputFilter relfilter::passthrough RELPASS
""" + "".join(_VHOST.format(name=name, interpreter=interpreter)
              for name, interpreter in (
                  (A, "# interpreter named after the server"),
                  (B, "PythonInterpreter rel_b"),
                  (C, "PythonInterpPerDirectory On")))


def expected_interpreter(host, path, htdocs):
    """The interpreter name the handler behind host/path must report."""
    if host == A:
        return A
    if host == B:
        return "rel_b"
    return "%s/reliability/%s/" % (htdocs, path.lstrip("/").split("/")[0])


# --------------------------------------------------------------- client

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # lower-case name -> str
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class ClientError(Exception):
    """kind: 'timeout', 'closed-idle' (a reused connection closed before
    any byte of the answer: the benign keep-alive race) or 'socket'."""

    def __init__(self, kind, detail):
        super().__init__("%s: %s" % (kind, detail))
        self.kind = kind


class _Incomplete(Exception):
    pass


class Connection:
    """A keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port, timeout=30.0):
        self.port = port
        self.timeout = timeout
        self.sock = None
        self._buffer = b""
        self._received = False

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self._buffer = b""

    def request(self, method, path, host, headers=(), body=b"",
                keep_alive=True):
        reused = self.sock is not None
        self._received = False
        try:
            if not reused:
                self.sock = socket.create_connection(
                    ("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                     1)
            lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + host]
            lines += ["%s: %s" % pair for pair in headers]
            if body or method in ("POST", "PUT"):
                lines.append("Content-Length: %d" % len(body))
            if not keep_alive:
                lines.append("Connection: close")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            self.sock.sendall(head + body if len(body) < 65536 else head)
            if len(body) >= 65536:
                self.sock.sendall(body)
            response = self._read_response(method)
        except socket.timeout as exc:
            self.close()
            raise ClientError("timeout", "%s %s: %s" % (method, path, exc))
        except (OSError, _Incomplete) as exc:
            received = self._received
            self.close()
            kind = "closed-idle" if reused and not received else "socket"
            raise ClientError(kind, "%s %s: %r" % (method, path, exc))
        if (not keep_alive
                or response.headers.get("connection", "").lower() == "close"):
            self.close()
        return response

    def _recv(self):
        data = self.sock.recv(262144)
        if not data:
            raise _Incomplete("connection closed by the server")
        self._received = True
        self._buffer += data

    def _read_until(self, marker):
        while True:
            index = self._buffer.find(marker)
            if index >= 0:
                found = self._buffer[:index]
                self._buffer = self._buffer[index + len(marker):]
                return found
            if len(self._buffer) > 1 << 20:
                raise _Incomplete("header block too long")
            self._recv()

    def _read_exact(self, count):
        while len(self._buffer) < count:
            self._recv()
        data = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return data

    def _read_response(self, method):
        while True:
            head = self._read_until(b"\r\n\r\n").decode("latin-1")
            lines = head.split("\r\n")
            parts = lines[0].split(None, 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/"):
                raise _Incomplete("bad status line %r" % lines[0])
            status = int(parts[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if status >= 200:
                break
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")     # no trailers expected
                    break
                chunks.append(self._read_exact(size))
                self._read_exact(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        else:
            try:
                while True:
                    self._recv()
            except _Incomplete:
                pass
            body, self._buffer = self._buffer, b""
            headers["connection"] = "close"
        return Response(status, headers, body)


# ------------------------------------------------------------ scenarios

class Call:
    """One request and the check of its answer (None when right, else a
    message)."""

    def __init__(self, scenario, method, path, host, headers=(), body=b"",
                 check=None):
        self.scenario = scenario
        self.method = method
        self.path = path
        self.host = host
        self.headers = list(headers)
        self.body = body
        self.check = check

    def run(self, connection):
        response = connection.request(self.method, self.path, self.host,
                                      self.headers, self.body)
        problem = self.check(response) if self.check else None
        return response, problem


def _token(rng):
    return "%016x" % rng.getrandbits(64)


def _alloc_total(count):
    numbers = range(count)
    text = "".join(str(n) for n in range(min(count, 2000)))
    return sum(numbers) + len(range(count // 4)) + count * 16 + len(text)


def _multipart(fields, files, boundary):
    out = []
    for name, value in fields:
        out.append(b"--%s\r\nContent-Disposition: form-data; name=\"%s\""
                   b"\r\n\r\n%s\r\n" % (boundary, name.encode(),
                                         value.encode()))
    for name, filename, data in files:
        out.append(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                   b"filename=\"%s\"\r\nContent-Type: application/"
                   b"octet-stream\r\n\r\n" % (boundary, name.encode(),
                                              filename.encode())
                   + data + b"\r\n")
    out.append(b"--%s--\r\n" % boundary)
    return b"".join(out)


# Query strings of the CVE-2003-0973 / CVE-2004-0096 class: odd ones,
# parsed by util.parse_qs in the handler.
ODD_QUERIES = [
    "", "=", "&", "&&&&", "====", "a", "a=", "=b", "a==b", "%", "%%", "%2",
    "%zz", "%00", "a=%00%00", "%ff%fe=%c3", "a=1&a=2&a=3", "+", "++=++",
    ";;;", "a;b=c", "%26=%3D", "x=" + "%41" * 500, "&".join("k%d=" % i
                                                            for i in range(300)),
    "=" * 1000, "&" * 1000, "%" * 999, "a=" + "\u00e9".encode().hex(),
    "%E9%80%80%ED%A0%80", "k=%C0%AF%C0%AE", "%25%32%35",
]


class Scenarios:
    """Builds requests of the named scenarios against the CONFIG hosts.

    htdocs: the server's document root (for the per-directory
    interpreter names)."""

    ALL = ("hello", "alloc", "raise", "body", "filter", "upload",
           "publisher", "cgi", "query", "static")

    def __init__(self, htdocs, hosts=HOSTS):
        self.htdocs = str(htdocs)
        self.hosts = hosts

    def make(self, name, rng, host=None):
        host = host or rng.choice(self.hosts)
        return getattr(self, "_" + name)(rng, host)

    def _interp(self, host, path):
        return expected_interpreter(host, path, self.htdocs)

    @staticmethod
    def _expect(status, body=None, contains=None, interpreter=None,
                token=None):
        def check(response):
            if response.status != status:
                return "status %d, expected %d: %r" % (
                    response.status, status, response.body[:300])
            if body is not None and response.body != body:
                return "body %r, expected %r" % (response.body[:300],
                                                 body[:300])
            if contains is not None and contains not in response.body:
                return "body %r lacks %r" % (response.body[:300], contains)
            if interpreter is not None and \
                    response.headers.get("x-interpreter") != interpreter:
                return "X-Interpreter %r, expected %r" % (
                    response.headers.get("x-interpreter"), interpreter)
            if token is not None and response.headers.get("x-token") != token:
                return "X-Token %r, expected %r" % (
                    response.headers.get("x-token"), token)
            return None
        return check

    def _hello(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        return Call("hello", "GET", "/app/hello", host, [("X-Token", token)],
                    check=self._expect(200, ("hello %s %s" % (token, interp))
                                       .encode(), interpreter=interp,
                                       token=token))

    def _alloc(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        count = rng.randrange(1000, 50000)
        return Call("alloc", "GET", "/app/alloc?%d" % count, host,
                    [("X-Token", token)],
                    check=self._expect(200, ("alloc %d %s" % (
                        _alloc_total(count), interp)).encode(),
                        interpreter=interp, token=token))

    def _raise(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        return Call("raise", "GET", "/app/raise", host, [("X-Token", token)],
                    check=self._expect(500, contains=(
                        "DeliberateError: deliberate failure %s in %s"
                        % (token, interp)).encode()))

    def _body(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        size = rng.choice((0, 1, 100, 8191, 8192, 20000, 65537, 150000))
        body = rng.randbytes(size)
        return Call("body", "POST", "/app/body", host,
                    [("X-Token", token),
                     ("Content-Type", "application/octet-stream")], body,
                    check=self._expect(200, ("body %d %s %s" % (
                        size, hashlib.sha256(body).hexdigest(), interp))
                        .encode(), interpreter=interp, token=token))

    def _filter(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        text = "filtered %s %s " % (token, interp) + "x" * 3000
        return Call("filter", "GET", "/app/filtered", host,
                    [("X-Token", token)],
                    check=self._expect(200, text.upper().encode(),
                                       interpreter=interp, token=token))

    def _upload(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/app")
        data = rng.randbytes(rng.choice((0, 10, 5000, 70000)))
        boundary = b"----rel%x" % rng.getrandbits(48)
        body = _multipart([("name", token)], [("upload", "f.bin", data)],
                          boundary)
        expected = {"interpreter": interp, "fields": {
            "name": token, "upload": {
                "filename": "f.bin", "length": len(data),
                "sha256": hashlib.sha256(data).hexdigest()}}}

        def check(response):
            problem = self._expect(200, interpreter=interp,
                                   token=token)(response)
            if problem is None and json.loads(response.body) != expected:
                problem = "form %r, expected %r" % (response.body[:300],
                                                    expected)
            return problem
        return Call("upload", "POST", "/app/form", host,
                    [("X-Token", token), ("Content-Type",
                     "multipart/form-data; boundary=%s"
                     % boundary.decode())], body, check)

    def _publisher(self, rng, host):
        token, interp = _token(rng), self._interp(host, "/pub")
        name = rng.choice(("x", "someone", "\u00e9t\u00e9"))
        query = urllib.parse.urlencode({"name": name, "token": token})
        return Call("publisher", "GET", "/pub/page.py?" + query, host,
                    check=self._expect(200, ("page %s %s %s" % (
                        name, token, interp)).encode()))

    def _cgi(self, rng, host):
        token = _token(rng)
        return Call("cgi", "GET", "/cgi/script.py?" + token, host,
                    check=self._expect(200, ("cgi %s 0\n" % token).encode()))

    def _query(self, rng, host):
        interp = self._interp(host, "/app")
        query = rng.choice(ODD_QUERIES)
        count = len(urllib.parse.parse_qs(query, keep_blank_values=True))
        return Call("query", "GET", "/app/query?" + query, host,
                    check=self._expect(200, ("query %d %s" % (count, interp))
                                       .encode()))

    def _static(self, rng, host):
        return Call("static", "GET", "/static/file.txt", host,
                    check=self._expect(
                        200, b"a static file, served by Apache alone\n"))


# ------------------------------------------------------------ the load

class LoadResult:
    """What a run_load saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.responses = 0
        self.by_status = collections.Counter()
        self.by_scenario = collections.Counter()
        self.failures = 0
        self.failure_samples = []
        self.errors = collections.Counter()      # ClientError kinds
        self.error_samples = []
        self.pids = set()
        self.elapsed = 0.0

    @property
    def requests(self):
        return self.responses + sum(self.errors.values())

    def record(self, call, response, problem):
        with self.lock:
            self.responses += 1
            self.by_status[response.status] += 1
            self.by_scenario[call.scenario] += 1
            if "x-pid" in response.headers:
                self.pids.add(response.headers["x-pid"])
            if problem is not None:
                self.failures += 1
                if len(self.failure_samples) < 10:
                    self.failure_samples.append("%s %s %s: %s" % (
                        call.scenario, call.host, call.path, problem))

    def record_error(self, call, error):
        with self.lock:
            self.errors[error.kind] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append("%s %s: %s" % (call.scenario,
                                                         call.host, error))

    def as_dict(self):
        return {"requests": self.requests, "answered": self.responses,
                "failed_checks": self.failures,
                "timeouts": self.errors["timeout"],
                "closed_idle": self.errors["closed-idle"],
                "socket_errors": self.errors["socket"],
                "statuses": {str(k): v for k, v in
                             sorted(self.by_status.items())},
                "scenarios": dict(sorted(self.by_scenario.items())),
                "seconds": round(self.elapsed, 1),
                "samples": self.failure_samples + self.error_samples}

    def merge(self, other):
        """Add the counts of another LoadResult (or its as_dict())."""
        if isinstance(other, LoadResult):
            other = other.as_dict()
        self.responses += other["answered"]
        self.failures += other["failed_checks"]
        self.errors["timeout"] += other["timeouts"]
        self.errors["closed-idle"] += other["closed_idle"]
        self.errors["socket"] += other["socket_errors"]
        for status, count in other["statuses"].items():
            self.by_status[int(status)] += count
        for name, count in other["scenarios"].items():
            self.by_scenario[name] += count
        for sample in other["samples"]:
            if len(self.failure_samples) < 10:
                self.failure_samples.append(sample)
        self.elapsed = max(self.elapsed, other["seconds"])

    def summary(self):
        rate = self.requests / self.elapsed if self.elapsed else 0.0
        lines = ["%d requests in %.1f s (%.0f/s): %d answered, %d failed "
                 "checks, timeouts %d, idle keep-alive closed %d, socket "
                 "errors %d" % (self.requests, self.elapsed, rate,
                                self.responses, self.failures,
                                self.errors["timeout"],
                                self.errors["closed-idle"],
                                self.errors["socket"]),
                 "statuses: %s" % dict(sorted(self.by_status.items())),
                 "scenarios: %s" % dict(sorted(self.by_scenario.items()))]
        lines += ["failure: " + sample for sample in self.failure_samples]
        lines += ["error: " + sample for sample in self.error_samples]
        return "\n".join(lines)


def run_load(port, choose, clients, duration=None, requests=None,
             timeout=30.0, seed=1, keep_alive=True):
    """Run clients threads, each on its own keep-alive connection, until
    duration seconds passed or requests requests were made.

    choose(rng) -> Call.  Returns a LoadResult."""
    result = LoadResult()
    deadline = time.monotonic() + duration if duration else None
    budget = [requests]
    budget_lock = threading.Lock()

    def take():
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if requests is not None:
            with budget_lock:
                if budget[0] <= 0:
                    return False
                budget[0] -= 1
        return True

    def client(index):
        rng = random.Random(seed * 100003 + index)
        connection = Connection(port, timeout)
        try:
            while take():
                call = choose(rng)
                try:
                    response, problem = call.run(connection)
                except ClientError as error:
                    result.record_error(call, error)
                    continue
                result.record(call, response, problem)
                if not keep_alive:
                    connection.close()
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,), daemon=True)
               for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - started
    return result


def mix(scenarios, names, weights=None):
    """A choose(rng) drawing among the named scenarios."""
    names = list(names)

    def choose(rng):
        name = rng.choices(names, weights)[0] if weights else rng.choice(names)
        return scenarios.make(name, rng)
    return choose


# ---------------------------------------------------------- processes

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def single_child_settings(mpm):
    """MPM directives (appended after the harness defaults, which they
    override) for a server with exactly one child process, so that its RSS
    is that of every request."""
    if mpm == "prefork":
        return ("StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
                "ServerLimit 1\nMaxRequestWorkers 1\n"
                "MaxConnectionsPerChild 0\nMaxKeepAliveRequests 0\n")
    return ("StartServers 1\nServerLimit 1\nThreadsPerChild 4\n"
            "MaxRequestWorkers 4\nMinSpareThreads 1\nMaxSpareThreads 4\n"
            "MaxConnectionsPerChild 0\nMaxKeepAliveRequests 0\n")


def load_settings(mpm, clients):
    """MPM directives for a server that serves clients keep-alive
    connections at once and never retires a process on its own (an idle
    process being stopped closes its keep-alive connections, which would
    blur the figures)."""
    if mpm == "prefork":
        return ("StartServers {n}\nMinSpareServers {n}\nMaxSpareServers {n}\n"
                "ServerLimit {n}\nMaxRequestWorkers {n}\n"
                "MaxConnectionsPerChild 0\n").format(n=clients + 2)
    # Every process must have a thread for every client: the event MPM
    # closes keep-alive connections of a process whose workers are all
    # busy, which Apache does with any module.
    threads = max(25, clients + 10)
    return ("ThreadLimit {t}\nStartServers 2\nServerLimit 4\n"
            "ThreadsPerChild {t}\nMaxRequestWorkers {w}\n"
            "MinSpareThreads 1\nMaxSpareThreads {m}\n"
            "MaxConnectionsPerChild 0\n").format(t=threads, w=2 * threads,
                                                 m=4 * threads)


def live_children(server):
    return [pid for pid in server.child_pids()
            if _state(pid) not in (None, "Z")]


def _state(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def log_excerpt(text, limit=40):
    lines = text.splitlines()
    return "\n".join(lines[-limit:])


__all__ = ["CONFIG", "HOSTS", "Scenarios", "Connection", "ClientError",
           "run_load", "mix", "rss_kib", "single_child_settings", "load_settings",
           "live_children", "expected_interpreter", "ODD_QUERIES"]
