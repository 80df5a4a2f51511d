"""Input and output filters (manual 4.3, 4.5.5, 5.2)."""

import socket

import pytest
import requests

from harness import modules_dir

HOST = "filters.test"

CONFIG = ("LoadModule include_module %s/mod_include.so\n" % modules_dir()) + """
PythonOutputFilter capitalize CAPITALIZE
PythonInputFilter capitalize CAPIN
PythonOutputFilter filtertools::broken BROKEN
PythonOutputFilter filtertools::broken_early BROKENEARLY
PythonOutputFilter filtertools::cut_short CUTSHORT
PythonOutputFilter filtertools::cut_at_boom CUTATBOOM
PythonOutputFilter filtertools::fail_second_call FAILSECOND
PythonOutputFilter filtertools::keeper KEEPER
PythonOutputFilter filtertools::closer CLOSER
PythonOutputFilter filtertools::marker MARKER
PythonOutputFilter filtertools::describe DESCRIBE
PythonOutputFilter filtertools::upper_once UPPERONCE
PythonInputFilter filtertools::upper_first_read UPPERONCEIN
PythonOutputFilter filtertools::marker RELABELED
<VirtualHost *:{port}>
    ServerName filters.test
    DocumentRoot {htdocs}/filters
    PythonPath "sys.path+['{htdocs}/filters']"
    PythonDebug On
    <Directory {htdocs}/filters>
        AddOutputFilter CAPITALIZE .txt
    </Directory>
    <Location /py>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter CAPITALIZE
    </Location>
    PythonOutputFilter capitalize relabeled
    <Location /relabeled>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter Relabeled
    </Location>
    <Directory {htdocs}/filters/marked>
        SetOutputFilter MARKER
    </Directory>
    <Location /with-length>
        SetHandler mod_python
        PythonHandler filtertools::with_length
        SetOutputFilter MARKER
    </Location>
    <Location /big>
        SetHandler mod_python
        PythonHandler filtertools::big
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /mixed>
        SetHandler mod_python
        PythonHandler filtertools::mixed_writes
    </Location>
    <Location /mixed-filtered>
        SetHandler mod_python
        PythonHandler filtertools::mixed_writes
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /small>
        SetHandler mod_python
        PythonHandler filtertools::small_unflushed
    </Location>
    <Location /small-filtered>
        SetHandler mod_python
        PythonHandler filtertools::small_unflushed
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /many-calls>
        SetHandler mod_python
        PythonHandler filtertools::many_calls
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /rss>
        SetHandler mod_python
        PythonHandler filtertools::rss
    </Location>
    <Location /upper-post>
        SetHandler mod_python
        PythonHandler filtertools::echo_body
        SetInputFilter CAPIN
    </Location>
    <Location /plain-post>
        SetHandler mod_python
        PythonHandler filtertools::echo_body
    </Location>
    <Location /broken>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter BROKEN
    </Location>
    <Location /broken-early>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter BROKENEARLY
    </Location>
    <Location /streamed>
        SetHandler mod_python
        PythonHandler filtertools::streamed
        SetOutputFilter CUTATBOOM
    </Location>
    <Location /second-call>
        SetHandler mod_python
        PythonHandler filtertools::streamed
        SetOutputFilter FAILSECOND
    </Location>
    <Directory {htdocs}/filters/cut>
        SetOutputFilter CUTSHORT
    </Directory>
    <Location /keeper>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter KEEPER
    </Location>
    <Location /use-kept>
        SetHandler mod_python
        PythonHandler filtertools::use_kept
    </Location>
    <Location /closer>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter CLOSER
    </Location>
    <Location /describe>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter DESCRIBE
    </Location>
    <Location /dynamic>
        SetHandler mod_python
        PythonHandler filtertools::dynamic
    </Location>
    <Location /dynamic-input>
        SetHandler mod_python
        PythonHandler filtertools::dynamic_input
    </Location>
    <Location /fixup-input>
        SetHandler mod_python
        PythonFixupHandler filtertools::fixup_adds_input
        PythonHandler filtertools::echo_body
    </Location>
    <Location /disabled-out>
        SetHandler mod_python
        PythonHandler filtertools::three_parts
        SetOutputFilter UPPERONCE
    </Location>
    <Location /disabled-in>
        SetHandler mod_python
        PythonHandler filtertools::read_in_parts
        SetInputFilter UPPERONCEIN
    </Location>
    <Location /filter-calls>
        SetHandler mod_python
        PythonHandler filtertools::calls
    </Location>
    <Location /unknown>
        SetHandler mod_python
        PythonHandler filtertools::unknown_filter
    </Location>
    <Files page.shtml>
        Options +Includes
        SetOutputFilter INCLUDES
    </Files>
    <Files include-cut.shtml>
        Options +Includes
        SetOutputFilter INCLUDES
    </Files>
    <Directory {htdocs}/filters/sub>
        SetOutputFilter MARKER
    </Directory>
</VirtualHost>
"""

SMALL_WRITES = "".join("w%d," % i for i in range(1000))


def test_capitalize_static_file(httpd):
    response = httpd.get("/static.txt", host=HOST)
    assert response.status_code == 200
    assert response.text == "HELLO STATIC WORLD\n"


def test_capitalize_python_handler_output_of_1000_writes(httpd):
    response = httpd.get("/py", host=HOST)
    assert response.status_code == 200
    assert response.text == SMALL_WRITES.upper()


def test_a_filter_name_registered_again_is_replaced(httpd):
    """Doc/directives.rst: filter names are case-insensitive and global;
    the registration read last (here in a virtual host, over the server
    level's marker) is the one that runs."""
    response = httpd.get("/relabeled", host=HOST)
    assert response.status_code == 200
    assert response.text == SMALL_WRITES.upper()


def test_filter_members(httpd):
    response = httpd.get("/describe", host=HOST)
    assert response.status_code == 200
    first, rest = response.text.split("\n", 1)
    name, handler, is_input, closed = first.split()
    assert name.lower() == "name=describe"  # Apache keeps names lower-cased
    assert (handler, is_input, closed) == (
        "handler=filtertools::describe", "is_input=False", "closed=False")
    assert rest == SMALL_WRITES


def test_many_output_filter_calls_in_bounded_memory(httpd):
    """Each call of a Python output filter allocated a brigade from the
    request pool: 90,000 calls grew the child by megabytes."""
    response = httpd.get("/many-calls", host=HOST, timeout=120)
    assert response.status_code == 200
    lines = response.content.split(b"\n")
    assert lines[0] == b"X" * 49 and len(lines) == 100002
    growth_kib = int(lines[-2].split()[1])
    assert growth_kib < 1024, "%d KiB for 90,000 filter calls" % growth_kib


def test_streaming_10_mib_in_bounded_memory(httpd):
    with requests.Session() as session:
        def get(path):
            return session.get(httpd.url(path), headers={"Host": HOST},
                               timeout=60)
        get("/py")                          # warm the child up
        pid, before = map(int, get("/rss").text.split())
        response = get("/big")
        pid_after, after = map(int, get("/rss").text.split())
    assert pid_after == pid, "keep-alive moved to another process"
    assert response.status_code == 200
    assert len(response.content) == 10 * 1024 * 1024
    assert response.content[:32] == b"ABCDEFGHIJKLMNOP" * 2
    assert set(response.content) == set(b"ABCDEFGHIJKLMNOP")
    growth_kib = after - before
    assert growth_kib < 5 * 1024, \
        "peak RSS of the child grew by %d KiB for a 10 MiB response" \
        % growth_kib


def test_input_filter_transforms_post_body(httpd):
    body = b"post body, line one\nline two\n" * 1000
    response = httpd.post("/upper-post", host=HOST, data=body)
    assert response.status_code == 200
    assert response.content == body.upper()


def test_input_filter_with_chunked_body(httpd):
    body = b"chunked data " * 5000
    response = httpd.post("/upper-post", host=HOST,
                          data=iter([body[:1000], body[1000:]]))
    assert response.status_code == 200
    assert response.content == body.upper()


def test_without_filter_body_is_unchanged(httpd):
    response = httpd.post("/plain-post", host=HOST, data=b"Mixed Case")
    assert response.content == b"Mixed Case"


class Exchange:
    """One response as a client sees it: read until its framing says the
    body is complete, or until the server ends the connection."""

    def __init__(self, port, path, protocol="HTTP/1.1"):
        request = ("GET %s %s\r\nHost: %s\r\n\r\n"
                   % (path, protocol, HOST)).encode("ascii")
        self.raw = b""
        self.ended = None           # "reset", "eof", or None (framed)
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=20) as sock:
            sock.sendall(request)
            while not self._framed_complete():
                try:
                    part = sock.recv(65536)
                except ConnectionResetError:
                    self.ended = "reset"
                    break
                if not part:
                    self.ended = "eof"
                    break
                self.raw += part
        head, _, self.body = self.raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if self.raw else None
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def _framed_complete(self):
        """True once Content-Length bytes or the last chunk arrived."""
        head, sep, body = self.raw.partition(b"\r\n\r\n")
        if not sep:
            return False
        head = head.lower()
        if b"transfer-encoding: chunked" in head:
            return dechunk(body)[1]
        for line in head.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                return len(body) >= int(line.split(b":")[1])
        return False                # delimited by the end of the connection

    @property
    def complete(self):
        """Does the framing tell the client it has the whole body?"""
        if "chunked" in self.headers.get("transfer-encoding", ""):
            return dechunk(self.body)[1]
        if "content-length" in self.headers:
            return len(self.body) == int(self.headers["content-length"])
        return self.ended == "eof"

    @property
    def content(self):
        if "chunked" in self.headers.get("transfer-encoding", ""):
            return dechunk(self.body)[0]
        return self.body


def dechunk(body):
    """(data, True if the last chunk arrived) of a chunked body so far."""
    data = b""
    while True:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            return data, False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return data, rest.startswith(b"\r\n")
        if len(rest) < size + 2:
            return data + rest[:size], False
        data += rest[:size]
        body = rest[size + 2:]


def test_filter_that_raises_before_reading_lets_the_response_through(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/broken-early", host=HOST)
    assert response.status_code == 200
    assert response.text == SMALL_WRITES
    log = httpd.wait_for_log("filter broke early on purpose", since=offset)
    assert "Traceback (most recent call last)" in log
    assert "exception in PythonOutputFilter filtertools::broken_early" in log


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_filter_that_loses_data_before_anything_was_sent_gives_500(
        httpd, protocol):
    """The issue's case: a static file's data taken, 5 bytes written, an
    exception: no 200 with Content-Length 5 and the file's ETag."""
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/cut/status.dat", protocol)
    assert response.status == 500
    assert "etag" not in response.headers
    assert b"stati" not in response.content
    assert b"Internal Server Error" in response.content
    assert response.headers.get("connection") == "close"
    log = httpd.wait_for_log("cut_short broke on purpose", since=offset)
    assert "exception in PythonOutputFilter filtertools::cut_short" in log


def test_filter_that_loses_data_of_a_handler_gives_500(httpd):
    """Same when the data comes from a Python handler writing on."""
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/broken")
    assert response.status == 500
    assert b"w0," not in response.content and b"w1," not in response.content
    assert response.complete
    httpd.assert_log("filter broke on purpose", since=offset)


@pytest.mark.parametrize("protocol,framing", [
    ("HTTP/1.1", "chunked"), ("HTTP/1.0", "close")])
def test_filter_that_loses_data_mid_stream_cuts_the_connection(
        httpd, protocol, framing):
    """Part of the body is out: the client must see it incomplete, with
    no last chunk and, where only the end of the connection delimits
    the body (HTTP/1.0), a reset instead of an orderly close."""
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/streamed", protocol)
    assert response.status == 200
    if framing == "chunked":
        assert response.headers.get("transfer-encoding") == "chunked"
    else:
        assert "transfer-encoding" not in response.headers
        assert "content-length" not in response.headers
    assert response.content.startswith(b"part one\n")
    assert b"end" not in response.content
    assert not response.complete
    assert response.ended == "reset"
    log = httpd.wait_for_log("cut_at_boom broke on purpose", since=offset)
    assert "exception in PythonOutputFilter filtertools::cut_at_boom" in log


def test_filter_failing_in_a_later_call_after_taking_data_cuts(httpd):
    """Filtered data then unfiltered data would be a body neither the
    filter nor the handler made: once a filter took data, its failure
    cuts the response even in a call where it read nothing."""
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/second-call")
    assert response.status == 200
    assert response.content == b"part one\n"
    assert not response.complete
    assert response.ended == "reset"
    assert "fail_second_call broke on purpose" in httpd.wait_for_log(
        "fail_second_call broke on purpose", since=offset)


def test_filter_that_loses_data_in_a_subrequest_cuts_the_response(httpd):
    """An SSI include of the issue's case: the page around it is not
    sent as if complete ("before stati after"); nothing is."""
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/include-cut.shtml")
    assert response.raw == b""
    assert response.ended == "reset"
    httpd.assert_log("cut_short broke on purpose", since=offset)


def test_filter_that_loses_data_of_a_content_length_response(httpd):
    offset = httpd.error_log_size()
    response = Exchange(httpd.port, "/streamed?length")
    assert response.status == 200
    # the handler's Content-Length is dropped by the filter (which may
    # change the body): the response is chunked, and the cut shows as a
    # missing last chunk
    assert "content-length" not in response.headers
    assert response.headers.get("transfer-encoding") == "chunked"
    assert b"end" not in response.content
    assert not response.complete
    assert response.ended == "reset"
    assert "cut_at_boom broke on purpose" in httpd.wait_for_log(
        "cut_at_boom broke on purpose", since=offset)
    # the handler's next req.write() fails, saying why (not "client
    # closed the connection?")
    why = ("OSError: write to client failed: an output filter failed and "
           "cut the response")
    httpd.assert_log(why, since=offset)
    # the server goes on
    assert httpd.get("/static.txt", host=HOST).status_code == 200


def test_filter_object_is_unusable_after_its_call(httpd):
    with requests.Session() as session:
        headers = {"Host": HOST}
        first = session.get(httpd.url("/keeper"), headers=headers, timeout=20)
        second = session.get(httpd.url("/use-kept"), headers=headers,
                             timeout=20)
    assert first.text == SMALL_WRITES
    assert second.status_code == 200
    assert second.text.startswith("RuntimeError: this filter object is no "
                                  "longer valid"), second.text


def test_read_after_close_raises(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/closer", host=HOST)
    assert response.text == SMALL_WRITES
    assert "read after close raised OSError" in httpd.wait_for_log(
        "read after close raised", since=offset)


def test_dynamic_filter_from_handler(httpd):
    response = httpd.get("/dynamic", host=HOST)
    assert response.status_code == 200
    assert response.text == "ADDED AT RUN TIME"


@pytest.mark.parametrize("path", ["/dynamic-input", "/fixup-input"])
def test_dynamic_input_filter(httpd, path):
    """req.register_input_filter + req.add_input_filter, from the handler
    itself and from an earlier phase: the body the handler reads went
    through the Python filter (plain and chunked)."""
    body = b"dynamic input, " * 3000
    response = httpd.post(path, host=HOST, data=body)
    assert response.status_code == 200
    assert response.content == body.upper()
    response = httpd.post(path, host=HOST,
                          data=iter([body[:1000], body[1000:]]))
    assert response.status_code == 200
    assert response.content == body.upper()


def test_a_disabled_filter_passes_the_rest_unchanged(httpd):
    """filter.disable(): the first (flushed) part went through the
    filter, the others pass unchanged and the filter is not called for
    them.  One kept-alive connection, so that the call count read back
    comes from the child that ran the filter."""
    with requests.Session() as session:
        base = httpd.url("")
        headers = {"Host": HOST}
        session.get(base + "/filter-calls", headers=headers)
        response = session.get(base + "/disabled-out", headers=headers)
        assert response.status_code == 200
        assert response.text == "ONE,two,three"
        assert session.get(base + "/filter-calls",
                           headers=headers).text == "1"
        body = b"a" * 5000
        response = session.post(base + "/disabled-in", headers=headers,
                                data=body)
        assert response.status_code == 200
        upper = len(response.content.rstrip(b"a"))
        assert 0 < upper < len(body)
        assert response.content == b"A" * upper + b"a" * (len(body) - upper)
        assert session.get(base + "/filter-calls",
                           headers=headers).text == "1"


def test_adding_an_unknown_filter_raises(httpd):
    response = httpd.get("/unknown", host=HOST)
    assert response.status_code == 200
    assert response.text.startswith("ValueError: no output filter named")


def test_filter_knows_it_runs_in_a_subrequest(httpd):
    main = httpd.get("/sub/part.html", host=HOST)
    assert main.text == "included\n[main]"
    page = httpd.get("/page.shtml", host=HOST)
    assert page.status_code == 200
    assert page.text == "before included\n[sub] after\n"


MIXED = "abc" + "d" * 5000 + "e" * 5000 + "f" + "g" * 20000 + "h"


def test_unflushed_and_flushed_writes_arrive_in_order(httpd):
    response = httpd.get("/mixed", host=HOST)
    assert response.status_code == 200
    assert response.text == MIXED


def test_unflushed_writes_through_a_python_filter(httpd):
    response = httpd.get("/mixed-filtered", host=HOST)
    assert response.status_code == 200
    assert response.text == MIXED.upper()


def test_unflushed_body_goes_out_with_content_length(httpd):
    response = httpd.get("/small", host=HOST)
    assert response.text == "one two three"
    assert response.headers.get("Content-Length") == "13"
    assert "Transfer-Encoding" not in response.headers
    head = httpd.request("HEAD", "/small", host=HOST)
    assert head.status_code == 200 and head.content == b""


def test_no_content_length_guess_through_a_python_filter(httpd):
    """A Python filter may change the length: mod_python sets none."""
    response = httpd.get("/small-filtered", host=HOST)
    assert response.text == "ONE TWO THREE"
    assert response.headers.get("Content-Length") in (None, "13")


@pytest.mark.parametrize("path, expected", [
    ("/marked/file.txt", b"STATIC\n[main]"),
    ("/with-length", b"static[main]"),
])
def test_a_filter_changing_the_body_leaves_no_stale_length(httpd, path,
                                                            expected):
    """The core (a static file) or the handler (req.set_content_length)
    set Content-Length; a Python output filter that changes the body must
    not leave it standing (a client would cut the body short, or wait for
    bytes that never come)."""
    with socket.create_connection(("127.0.0.1", httpd.port), 20) as sock:
        sock.sendall(b"GET %s HTTP/1.0\r\nHost: %s\r\n\r\n"
                     % (path.encode(), HOST.encode()))
        reply = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    head, _, body = reply.partition(b"\r\n\r\n")
    assert body == expected, reply
    lengths = [line for line in head.split(b"\r\n")
               if line.lower().startswith(b"content-length:")]
    assert lengths in ([], [b"Content-Length: %d" % len(body)]), head
