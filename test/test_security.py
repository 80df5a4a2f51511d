"""Hostile input and security regressions (Doc/reliability.rst).

* The generated corpus test/fuzz/corpus (malformed request lines, bad
  headers, odd query strings, urlencoded, multipart and chunked bodies) is
  replayed over raw sockets at a handler, util.FieldStorage, the publisher
  and the cgihandler: every case is answered or cleanly closed, and no
  child crashes.  Slow and aborted clients too.
* One test per class of historical mod_python vulnerability:
  CVE-2002-0185 / CVE-2005-0088 (the publisher reaching modules, private
  names and object internals), CVE-2003-0973 / CVE-2004-0096 (query strings
  crashing or leaking; the leak half is test_reliability's leak test),
  CVE-2007-4304-style use of objects after their request or filter call
  ended (beyond test_filters' read on a kept filter).  CVE-2006-1095
  (session id path traversal) needs sessions, which do not exist yet.
* PythonDebug Off never sends a traceback, a source line or an exception
  message; error pages do not reflect request data as HTML; nothing the
  client sends is evaluated.
"""

import ast
import json
import socket
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from harness import CRASH_PATTERNS, REPO
from test_api_client import RawResponse

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
import make_corpus  # noqa: E402  (test/fuzz, not collected)
import replay  # noqa: E402

SEC = "sec.test"
SEC_DEBUG = "sec-debug.test"

_SEC_VHOST = """
<VirtualHost *:{{port}}>
    ServerName {name}
    DocumentRoot {{htdocs}}/reliability/sec
    PythonDebug {debug}
    PythonPath "sys.path+['{{htdocs}}/reliability/sec/h']"
    <Directory {{htdocs}}/reliability/sec/h>
        SetHandler mod_python
        PythonHandler secmod
    </Directory>
    <Location /h/fixup-phase>
        PythonFixupHandler secmod::raise_in_phase
    </Location>
    <Location /h/access-phase>
        PythonAccessHandler secmod::raise_in_phase
    </Location>
    <Location /h/authen-phase>
        AuthType Basic
        AuthName "sec"
        Require valid-user
        PythonAuthenHandler secmod::raise_in_phase
    </Location>
    <Location /h/filter-raise>
        SetOutputFilter SECRAISE
    </Location>
    <Location /h/keep>
        SetOutputFilter SECKEEP
    </Location>
    <Directory {{htdocs}}/reliability/sec/pub>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
    </Directory>
    <Directory {{htdocs}}/reliability/sec/cgi>
        AddHandler mod_python .py
        PythonHandler mod_python.cgihandler
    </Directory>
    <Directory {{htdocs}}/reliability/sec/broken>
        SetHandler mod_python
        PythonHandler secbroken
    </Directory>
</VirtualHost>
"""

CONFIG = replay.CONFIG + """
PythonOutputFilter secfilter::raising SECRAISE
PythonOutputFilter secfilter::keeper SECKEEP
""" + _SEC_VHOST.format(name=SEC, debug="Off") \
    + _SEC_VHOST.format(name=SEC_DEBUG, debug="On")

SECRETS = ("s3cr3t", "Traceback", 'File "', "RuntimeError", "SyntaxError",
           ".py\", line")


def raw_request(port, data, timeout=20):
    received, _ = replay.send_case(port, data, timeout)
    return replay.classify("raw", received, None), received


def crash_lines_since(httpd, offset):
    return [line for line in httpd.error_log_since(offset).splitlines()
            if any(pattern in line for pattern in CRASH_PATTERNS)]


# ------------------------------------------------------------ the corpus

def test_corpus_is_generated_and_up_to_date():
    assert make_corpus.main(["--check"]) == 0, \
        "run python3 test/fuzz/make_corpus.py"
    assert len(replay.load_corpus()) >= 300


def test_corpus_replay_never_crashes_a_child(httpd):
    offset = httpd.error_log_size()
    outcomes = replay.replay_all(httpd.port, timeout=15)
    bad = [outcome for outcome in outcomes if not outcome.acceptable]
    assert bad == [], "\n".join(map(repr, bad))
    assert crash_lines_since(httpd, offset) == []
    answered = sum(outcome.kind == "answer" for outcome in outcomes)
    assert answered > 0.9 * len(outcomes)
    # the server is still all there
    assert httpd.get("/h/ok", host=SEC).text == "ok"


# ------------------------------------------------- slow, aborted clients

def test_slow_client_trickling_headers_and_body(httpd):
    body = urllib.parse.urlencode({"a": "1", "b": "x" * 50}).encode()
    data = make_corpus.post(b"/h/form", body,
                            b"application/x-www-form-urlencoded")
    pieces = [data[i:i + 7] for i in range(0, len(data), 7)]
    received = replay_pieces(httpd.port, pieces, pause=0.02)
    assert received.startswith(b"HTTP/1.1 200"), received[:300]
    fields = RawResponse(received).json()["fields"]
    assert fields == [["a", 1], ["b", 50]]


def replay_pieces(port, pieces, pause):
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            part = sock.recv(65536)
            if not part:
                return received
            received += part


def reset(sock):
    """Close with a TCP RST (SO_LINGER 0), like a client that vanished."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


@pytest.mark.parametrize("target", [b"/h/form", b"/h/read",
                                    b"/pub/fpage.py/typed", b"/cgi/fcgi.py"])
def test_client_vanishing_mid_upload(httpd, target):
    offset = httpd.error_log_size()
    body = make_corpus.multipart([
        ([make_corpus.disposition(b"a")], b"1"),
        ([make_corpus.disposition(b"file", b"big.bin")], b"z" * 300000)])
    data = make_corpus.mp_post(body, target=target)
    with socket.create_connection(("127.0.0.1", httpd.port),
                                  timeout=20) as sock:
        sock.sendall(data[:len(data) // 3])
        time.sleep(0.1)
        reset(sock)
    time.sleep(0.2)
    assert httpd.get("/h/ok", host=SEC).text == "ok"
    assert crash_lines_since(httpd, offset) == []


def test_client_vanishing_mid_download(httpd):
    offset = httpd.error_log_size()
    for path in (b"/h/big", b"/h/filtered"):
        with socket.create_connection(("127.0.0.1", httpd.port),
                                      timeout=20) as sock:
            sock.sendall(make_corpus.request(target=path,
                                             host=SEC.encode()))
            sock.recv(100)
            reset(sock)
    httpd.assert_log("do_big: client went away", since=offset)
    assert httpd.get("/h/ok", host=SEC).text == "ok"
    assert crash_lines_since(httpd, offset) == []


def test_stalled_clients_do_not_stop_the_others(httpd):
    """A few connections stuck half-way through their headers (fewer
    than the prefork server's children) while others are served."""
    stalled = []
    try:
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", httpd.port),
                                            timeout=20)
            sock.sendall(b"POST /h/form HTTP/1.1\r\nHost: fuzz.test\r\n"
                         b"Content-Length: 100\r\n")
            stalled.append(sock)
        for _ in range(5):
            assert httpd.get("/h/ok", host=SEC, timeout=10).text == "ok"
    finally:
        for sock in stalled:
            reset(sock)


# ------------------------------------- CVE-2002-0185 / CVE-2005-0088

FORBIDDEN_PUBLISHER_PATHS = [
    # private names, with / and with . as the separator
    "/pub/secpage.py/_private", "/pub/secpage.py/_helper",
    "/pub/secpage.py/__hidden__", "/pub/secpage.py/__dict__",
    "/pub/secpage.py/index/__globals__", "/pub/secpage.py/index.__globals__",
    "/pub/secpage.py/index.__code__", "/pub/secpage.py/widget.__class__",
    "/pub/secpage.py/widget/__dict__", "/pub/secpage.py/widget.__dict__",
    "/pub/secpage.py/widget.show.__func__.__globals__",
    # modules imported by the page, and what they hold
    "/pub/secpage.py/os", "/pub/secpage.py/os.system",
    "/pub/secpage.py/os/getcwd", "/pub/secpage.py/osp.join",
    "/pub/secpage.py/getcwd", "/pub/secpage.py/join",
    # classes, their attributes, dict internals
    "/pub/secpage.py/Widget", "/pub/secpage.py/Widget/secret",
    "/pub/secpage.py/settings/get",
    "/pub/secpage.py/settings.keys",
    # modules that are not files of the published directory
    "/pub/os.py/getcwd", "/pub/json.py/dumps", "/pub/secmod.py/handler",
    "/pub/..%2fh%2fsecmod.py/handler", "/pub/%2e%2e/h/secmod.py",
    "/pub/secpage.py/__builtins__/open",
]


@pytest.mark.parametrize("path", FORBIDDEN_PUBLISHER_PATHS)
def test_publisher_never_reaches_what_is_not_published(httpd, path):
    for host in (SEC, SEC_DEBUG):
        response = httpd.get(path, host=host)
        assert response.status_code in (400, 403, 404), (
            host, response.status_code, response.text[:300])
        assert "s3cr3t" not in response.text


def test_publisher_passes_the_request_not_a_form_field_named_req(httpd):
    for query in ("req=spoofed", "req=1&req=2"):
        response = httpd.get("/pub/secpage.py/whoami?" + query, host=SEC)
        assert response.status_code == 200
        assert response.text != "req is str"
        assert response.text != "req is list"
    posted = httpd.post("/pub/secpage.py/whoami", host=SEC,
                        data={"req": "spoofed"})
    assert posted.status_code == 200 and "str" not in posted.text


def test_published_neighbours_still_work(httpd):
    response = httpd.get("/pub/secpage.py", host=SEC)
    assert (response.status_code, response.text) == (200, "published index")


# ------------------------------------- CVE-2003-0973 / CVE-2004-0096

@pytest.mark.parametrize("target", ["/h/form", "/pub/fpage.py",
                                    "/cgi/fcgi.py"])
def test_odd_query_strings_are_answered(httpd, target):
    offset = httpd.error_log_size()
    for query in make_corpus.ODD_QUERIES:
        if len(query) > 3000 and target != "/h/form":
            continue
        data = make_corpus.request(target=target.encode() + b"?" + query)
        outcome, _ = raw_request(httpd.port, data)
        assert outcome.kind == "answer" and outcome.status < 500, (
            query[:100], outcome)
    assert crash_lines_since(httpd, offset) == []


def test_huge_urlencoded_body_parses_in_bounded_time(httpd):
    body = "&".join("k%d=%s" % (i, "%41" * (i % 7))
                    for i in range(60000)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    started = time.monotonic()
    response = httpd.post("/h/form", host="fuzz.test", data=body,
                          headers=headers)
    assert response.status_code == 413      # mod_python.util.max_fields
    assert time.monotonic() - started < 10
    started = time.monotonic()
    response = httpd.post("/h/many/form", host="fuzz.test", data=body,
                          headers=headers)    # max_fields 0: no limit
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    # (fields with an empty value are kept: keep_blank_values=1)
    assert len(response.json()["fields"]) == 60000
    assert elapsed < 10, "%.1fs to parse 60,000 fields" % elapsed


def test_undecodable_multipart_charset_is_a_400(httpd):
    """A charset chosen by the client, in a part's Content-Type or the
    request's, is bad form data (400), not a server error."""
    wrong = []
    for charset in (b"utf-32", b"idna", b"\xff\xfe", b"fr\x00ob"):
        for where in ("part", "request"):
            part_headers = [make_corpus.disposition(b"a")]
            ctype = b"multipart/form-data; boundary=BOUNDARY"
            if where == "part":
                part_headers.append(b"Content-Type: text/plain; charset="
                                    + charset)
            else:
                ctype += b"; charset=" + charset
            body = make_corpus.multipart([(part_headers, b"\xff\x00abc")])
            outcome, _ = raw_request(httpd.port, make_corpus.post(
                b"/h/form", body, ctype))
            if (outcome.kind, outcome.status) != ("answer", 400):
                wrong.append((where, charset, outcome.status))
    assert wrong == [], "bug in util.FieldStorage._read_part: %s" % wrong


# ------------------------- objects used after their request (CVE-2007-4304)

def keep_then_use(httpd):
    """Keep req, its tables, its connection and a filter in one request,
    close that connection, then use them from a later request that lands
    in the same process."""
    for _ in range(60):
        outcome, raw = raw_request(httpd.port, make_corpus.request(
            target=b"/h/keep", host=SEC.encode(),
            headers=[b"Connection: close"]))
        assert outcome.status == 200, raw[:300]
        pid = int(RawResponse(raw).body.split()[-1])
        for _ in range(10):
            outcome, raw = raw_request(httpd.port, make_corpus.request(
                target=b"/h/use-kept", host=SEC.encode(),
                headers=[b"Connection: close"]))
            assert outcome.status == 200, raw[:500]
            result = RawResponse(raw).json()
            if result["kept"]:
                if result["pid"] == pid:
                    return result
                break       # another process used (and cleared) its own
    pytest.fail("never landed in the process that kept the objects")


def still_usable(result, key):
    """(methods that worked, members that could be read) of a stale
    object, beyond what STALE_ALLOWED lets it do."""
    allowed = STALE_ALLOWED.get(key, set())
    calls = sorted(name for name, outcomes in result[key].items()
                   if "call:ok" in outcomes and name not in allowed)
    reads = sorted(name for name, outcomes in result[key].items()
                   if outcomes[0] == "get:ok" and name not in allowed
                   and not any(outcome.startswith("call:")
                               for outcome in outcomes))
    return calls, reads


# What a stale object may still do: members that are copies kept in the
# Python object itself (filter.req is the request object, itself stale),
# and log_error (which then logs without the request); none of them
# touches the request's memory.
STALE_ALLOWED = {"req": {"interpreter", "phase", "log_error"},
                 "conn": {"log_error"},
                 "filter": {"log_error", "closed", "name", "handler",
                            "is_input", "req"}}


def test_request_connection_and_tables_unusable_after_their_time(httpd):
    offset = httpd.error_log_size()
    result = keep_then_use(httpd)
    assert crash_lines_since(httpd, offset) == []
    for key in ("req", "conn"):
        assert still_usable(result, key) == ([], []), key
    for key in ("headers_in", "headers_out", "notes", "subprocess_env"):
        assert result[key + "[]"].startswith("raised"), result[key + "[]"]
        calls = [name for name, outcomes in result[key].items()
                 if "call:ok" in outcomes]
        assert calls == [], "%s methods still work: %s" % (key, calls)


def test_filter_unusable_after_its_request(httpd):
    offset = httpd.error_log_size()
    result = keep_then_use(httpd)
    assert crash_lines_since(httpd, offset) == []
    assert still_usable(result, "filter") == ([], [])


# -------------------------------------- PythonDebug Off leaks nothing

LEAK_TARGETS = [
    ("/h/raise?" + "q", 500), ("/h/fixup-phase", 500),
    ("/h/access-phase", 500), ("/h/authen-phase", 500),
    ("/h/filter-raise", None), ("/pub/secpage.py/boom", 500),
    ("/cgi/seccgi.py", 500), ("/broken/page", 500),
]


@pytest.mark.parametrize("path, status", LEAK_TARGETS,
                         ids=[target[0].split("?")[0] for target in
                              LEAK_TARGETS])
def test_debug_off_sends_no_traceback_source_or_message(httpd, path,
                                                        status):
    response = httpd.get(path, host=SEC, auth=("u", "p"))
    if status is not None:
        assert response.status_code == status, response.text[:300]
    text = response.text + json.dumps(dict(response.headers))
    for word in SECRETS:
        assert word not in text, (path, word, text[:500])


@pytest.mark.parametrize("path", ["/h/raise", "/pub/secpage.py/boom",
                                  "/broken/page"])
def test_debug_on_does_send_it(httpd, path):
    """The same failures with PythonDebug On: the traceback is sent (so
    the test above tests something)."""
    response = httpd.get(path, host=SEC_DEBUG)
    assert response.status_code == 500
    assert "Traceback" in response.text


# --------------------------------------------- no reflected XSS

PAYLOAD = b"<script>alert(1)</script>"


def xss_requests():
    quoted = urllib.parse.quote(PAYLOAD).encode()
    for host in (SEC.encode(), SEC_DEBUG.encode()):
        yield make_corpus.request(target=b"/h/echo-error?" + PAYLOAD,
                                  host=host, headers=[b"X-Payload: "
                                                      + PAYLOAD])
        yield make_corpus.request(target=b"/h/" + PAYLOAD, host=host)
        yield make_corpus.request(target=b"/h/" + quoted, host=host)
        yield make_corpus.request(target=b"/pub/secpage.py/" + quoted,
                                  host=host)
        yield make_corpus.request(target=b"/pub/secpage.py/needs?x="
                                  + quoted, host=host)
        yield make_corpus.request(target=b"/pub/nothing.py/" + quoted,
                                  host=host)
        yield make_corpus.request(target=b"/h/raise?" + quoted, host=host)
        yield make_corpus.request(target=b"/h/redirect?" + PAYLOAD,
                                  host=host)
        yield make_corpus.request(target=b"/h/redirect?%22%3E" + quoted,
                                  host=host)
        yield make_corpus.mp_post(
            b"--BOUNDARY\r\n" + PAYLOAD + b"\r\n\r\nx\r\n--BOUNDARY--\r\n",
            target=b"/h/form", host=b"fuzz.test")
        yield make_corpus.post(b"/h/form", b"a=1", b"multipart/form-data; "
                               b"boundary=" + b"<script>" * 40)
        yield make_corpus.request(b"POST", b"/h/read", [
            b"Content-Length: 100", b"X-Payload: " + PAYLOAD], b"short")


def test_error_pages_do_not_reflect_request_data_as_html(httpd):
    checked = 0
    for data in xss_requests():
        outcome, raw = raw_request(httpd.port, data)
        if outcome.kind != "answer":
            continue
        head, _, body = raw.partition(b"\r\n\r\n")
        head = head.lower()
        checked += 1
        if b"<script>" not in body.lower():
            continue
        # only a text/plain traceback (PythonDebug On) may quote the
        # request, and only with sniffing turned off
        assert b"content-type: text/plain" in head, (data[:120], raw[:600])
        assert b"x-content-type-options: nosniff" in head, (data[:120],
                                                            raw[:600])
    assert checked >= 20


# ------------------------------------------ nothing is evaluated

def test_nothing_from_the_client_is_evaluated(httpd):
    marker = httpd.var / ("evaluated-" + uuid.uuid4().hex)
    code = "__import__('os').system('touch %s')" % marker
    expression = "open(%r, 'w')" % str(marker)
    quoted = urllib.parse.quote(code)
    for payload in (code, expression):
        value = urllib.parse.quote(payload)
        targets = ["/h/form?%s=%s" % (value, value),
                   "/pub/fpage.py?a=%s" % value,
                   "/pub/fpage.py/typed?a=%s&b=%s" % (value, value),
                   "/cgi/fcgi.py?%s" % value,
                   "/h/x/%s" % value]
        for target in targets:
            httpd.get(target, host="fuzz.test", headers={
                "X-Code": payload, "Cookie": "s=" + quoted,
                "Authorization": "Basic " + quoted})
        httpd.post("/h/form", host="fuzz.test", files={
            payload: (payload, payload.encode())}, data={payload: payload})
        httpd.post("/pub/fpage.py", host="fuzz.test", data={"a": payload})
        httpd.post("/cgi/fcgi.py", host="fuzz.test", data={"a": payload})
    time.sleep(0.2)
    assert not marker.exists()


# The only eval/exec/compile/pickle calls the Python package may make, and
# on what: reviewed by hand; add to this list only after the same review.
ALLOWED_DYNAMIC_CODE = {
    ("apache.py", "eval"),          # PythonPath: from the server config;
                                    # <!--#python eval--> (below)
    ("apache.py", "compile"),       # a handler module file (its directory's)
                                    # or a published page file
    ("apache.py", "exec"),          # the same files;
                                    # <!--#python exec-->: the text of an SSI
                                    # page, never request data (no variable
                                    # substitution), refused under
                                    # IncludesNOEXEC (test_compat35)
    ("httpdconf.py", "eval"),       # only_if: written by the config's author
    ("cgihandler.py", "exec"),      # the CGI script file itself
    ("cgihandler.py", "compile"),   # the CGI script file itself
    # PSP: the code of a page file (or of a template string a handler
    # gives), with the page's text embedded as repr() literals, never as
    # code; include names come from the page, never from the request
    ("_psp.py", "compile"),
    ("_psp.py", "exec"),
    ("Cookie.py", "loads"),         # marshal: only after the HMAC checks
    ("Session.py", "loads"),        # pickle: from the server-side store,
    ("Session.py", "load"),         # keyed by a validated id, never the
}                                   # client's bytes
DYNAMIC = {"eval", "exec", "compile", "loads", "load", "__import__"}


def test_the_package_evaluates_only_what_was_reviewed():
    found = set()
    package = REPO / "lib" / "python" / "mod_python"
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = function.id if isinstance(function, ast.Name) else (
                function.attr if isinstance(function, ast.Attribute)
                else None)
            if name not in DYNAMIC:
                continue
            if isinstance(function, ast.Attribute):
                owner = function.value
                if not (isinstance(owner, ast.Name) and owner.id in (
                        "builtins", "pickle", "marshal", "importlib")):
                    continue            # re.compile, json.loads ...
            elif name in ("loads", "load"):
                continue
            found.add((path.name, name))
    assert found <= ALLOWED_DYNAMIC_CODE, (
        "new dynamic code in the package: review it for client data, then "
        "list it: %s" % sorted(found - ALLOWED_DYNAMIC_CODE))
