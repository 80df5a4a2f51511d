"""mod_python.util (manual section 4.6): FieldStorage, parse_qs, redirect."""

import hashlib
import http.client
import json
import random
import socket
import time
import urllib.parse

import pytest

CONFIG = """
<VirtualHost *:{port}>
    ServerName util.test
    DocumentRoot {htdocs}/util
    <Directory {htdocs}/util>
        SetHandler mod_python
        PythonHandler utilhandlers
        PythonDebug On
    </Directory>
    <Location /limited>
        LimitRequestBody 100
    </Location>
    <Location /max5>
        PythonOption mod_python.util.max_fields 5
    </Location>
    <Location /callbacks_max5>
        PythonOption mod_python.util.max_fields 5
    </Location>
    <Location /max2000>
        PythonOption mod_python.util.max_fields 2000
    </Location>
    <Location /unlimited>
        PythonOption mod_python.util.max_fields 0
    </Location>
    <Location /fields_unlimited>
        PythonOption mod_python.util.max_fields 0
    </Location>
    <Location /memory_unlimited>
        PythonOption mod_python.util.max_fields 0
    </Location>
    <Location /badmax_word>
        PythonOption mod_python.util.max_fields many
    </Location>
    <Location /badmax_negative>
        PythonOption mod_python.util.max_fields -1
    </Location>
    <Location /badmax_fraction>
        PythonOption mod_python.util.max_fields 1.5
    </Location>
    <Directory {htdocs}/util/pub>
        PythonHandler mod_python.publisher
    </Directory>
</VirtualHost>
"""

HOST = "util.test"
BOUNDARY = "xYzZY-test-boundary"


def raw_post(httpd, path, body, content_type, headers=None, chunks=None):
    """POST body (bytes, or an iterable of bytes with an explicit length)
    exactly as given; returns (status, headers, body bytes, seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                            timeout=30)
    started = time.monotonic()
    try:
        connection.putrequest("POST", path, skip_host=True)
        connection.putheader("Host", HOST)
        connection.putheader("Content-Type", content_type)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if chunks is None:
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
        else:
            connection.putheader("Content-Length", str(body))
            connection.endheaders()
            for chunk in chunks:
                connection.send(chunk)
        response = connection.getresponse()
        data = response.read()
        return (response.status, dict(response.getheaders()), data,
                time.monotonic() - started)
    finally:
        connection.close()


def multipart(parts, boundary=BOUNDARY, close=True):
    """Encode parts: (headers dict, content bytes)."""
    body = b""
    for headers, content in parts:
        body += b"--" + boundary.encode() + b"\r\n"
        for name, value in headers.items():
            body += ("%s: %s\r\n" % (name, value)).encode(
                "utf-8", "surrogateescape")
        body += b"\r\n" + content + b"\r\n"
    if close:
        body += b"--" + boundary.encode() + b"--\r\n"
    return body


def form_data(name, filename=None, ctype=None):
    disposition = 'form-data; name="%s"' % name
    if filename is not None:
        disposition += '; filename="%s"' % filename
    headers = {"Content-Disposition": disposition}
    if ctype:
        headers["Content-Type"] = ctype
    return headers


MULTIPART = "multipart/form-data; boundary=" + BOUNDARY


def fields(response_body):
    return json.loads(response_body)


# ------------------------------------------------------- query strings

def test_query_string_fields(httpd):
    response = httpd.get("/fields?a=1&b=two+words&a=%C3%A9t%C3%A9&c=",
                         host=HOST)
    assert response.status_code == 200, response.text
    got = response.json()
    assert [(f["name"], f["value"]) for f in got] == [
        ("a", "1"), ("b", "two words"), ("a", "été")]
    assert all(f["kind"] == "StringField" and f["is_str"] for f in got)
    assert got[0]["file"] == "1"          # StringField.file is a StringIO
    assert got[0]["filename"] is None


def test_keep_blank_values(httpd):
    response = httpd.get("/fields?a=&b=1&c", host=HOST,
                         headers={"X-Keep-Blank": "1"})
    assert [(f["name"], f["value"]) for f in response.json()] == [
        ("a", ""), ("b", "1"), ("c", "")]


def test_invalid_utf8_is_surrogateescaped_not_an_error(httpd):
    response = httpd.get("/fields?name=%FF%FEok", host=HOST)
    assert response.status_code == 200, response.text
    assert response.json()[0]["value"] == "\udcff\udcfeok"


def test_urlencoded_post_plus_query(httpd):
    response = httpd.post("/fields?q=1", host=HOST,
                          data={"name": "Jöhn Smith", "q": "2"})
    got = response.json()
    assert [(f["name"], f["value"]) for f in got] == [
        ("q", "1"), ("name", "Jöhn Smith"), ("q", "2")]


def test_urlencoded_post_in_declared_charset(httpd):
    status, _, body, _ = raw_post(
        httpd, "/fields", b"name=J%F6hn&raw=\xe9",
        "application/x-www-form-urlencoded; charset=latin-1")
    assert status == 200, body
    assert [(f["name"], f["value"]) for f in fields(body)] == [
        ("name", "Jöhn"), ("raw", "é")]


def test_post_with_other_content_type_leaves_body_alone(httpd):
    status, _, body, _ = raw_post(httpd, "/fields?x=1", b'{"a": 1}',
                                  "application/json")
    assert status == 200
    assert [(f["name"], f["value"]) for f in fields(body)] == [("x", "1")]


def test_mapping_interface(httpd):
    response = httpd.get("/mapping?a=1&b=2&a=3&e=", host=HOST)
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["keys"] == ["a", "b", "e"]
    assert got["len"] == 3
    assert got["a_is_list"] and got["a"] == ["1", "3"]
    assert got["b"] == "2" and got["b_type"] == "StringField"
    assert got["b_value"] == "2"
    assert got["getfirst_a"] == "1" and got["getfirst_type"] == "StringField"
    assert got["getfirst_missing"] == "dflt"
    assert got["getlist_a"] == ["1", "3"] and got["getlist_missing"] == []
    assert got["get_missing"] == "dflt" and got["get_b"] == "2"
    assert got["has_key_b"] and not got["has_key_zz"]
    assert got["contains_a"] and not got["contains_zz"]
    assert got["iter"] == ["a", "b", "e"]
    assert got["list_len"] == 4
    assert got["list_names"] == ["a", "b", "a", "e"]
    assert got["missing_raises"] == "KeyError"
    assert got["after_set_a"] == "replaced"
    assert got["after_add_c"] == ["3", "4"]
    assert got["after_del_keys"] == ["e", "a", "c"]


def test_strict_parsing_raises_a_catchable_form_error(httpd):
    response = httpd.get("/strict?a=1&&b", host=HOST)
    got = response.json()
    assert got["caught"] == "FormError"
    assert got["is_value_error"]
    assert "bad query field" in got["reason"]
    assert httpd.get("/strict?a=1&b=2", host=HOST).json() == {"caught": None}


def test_strict_parsing_uncaught_is_400(httpd):
    since = httpd.error_log_size()
    response = httpd.get("/uncaught?a=1&bad", host=HOST,
                         headers={"X-Strict": "1"})
    assert response.status_code == 400
    assert "bad query field" in response.text
    log = httpd.wait_for_log("bad form data", since)
    assert "bad query field: 'bad'" in log
    assert "Traceback" not in httpd.error_log_since(since)


# ------------------------------------------------------ parse_qs(l)

def _qs_alphabet():
    return "ab=&;+% 2AF0%C3%A9%FF\udcff é\x00x=%zz%2"


def random_cases(seed, count):
    """Seeded random query strings and arguments."""
    rng = random.Random(seed)
    alphabet = _qs_alphabet()
    cases = []
    for _ in range(count):
        length = rng.randrange(0, 30)
        qs = "".join(rng.choice(alphabet) for _ in range(length))
        kwargs = {"keep_blank_values": rng.random() < 0.5,
                  "strict_parsing": rng.random() < 0.3}
        if rng.random() < 0.3:
            kwargs["encoding"] = rng.choice(["utf-8", "latin-1", "ascii"])
        if rng.random() < 0.3:
            kwargs["errors"] = rng.choice(["replace", "strict",
                                           "surrogateescape", "ignore"])
        if rng.random() < 0.2:
            kwargs["separator"] = rng.choice([";", "+", " ", "&&", "=", ""])
        if rng.random() < 0.1:
            kwargs["max_num_fields"] = rng.randrange(0, 4)
        case = {"qs": qs, "kwargs": kwargs}
        if rng.random() < 0.1:
            case["bytes"] = True
        cases.append(case)
    return cases


def check_cases(httpd, cases):
    response = httpd.post("/parse_qs", host=HOST, data=json.dumps(cases))
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["checked"] == len(cases)
    assert got["mismatches"] == []


def test_parse_qs_examples_match_urllib(httpd):
    cases = [{"qs": qs, "kwargs": kwargs} for qs in (
        "", "a=1", "a=1&b=2&a=3", "a", "a=", "=", "=1", "&&", "a=1&",
        "a+b=c+d", "a%2Bb=%2B", "%", "%2", "%zz=1", "a=%C3%A9", "a=%E9",
        "é=ü", "a=1;b=2", "a==b", "k=%FF%FE") for kwargs in (
        {}, {"keep_blank_values": True}, {"strict_parsing": True},
        {"keep_blank_values": True, "strict_parsing": True},
        {"encoding": "latin-1"}, {"errors": "strict"},
        {"separator": ";"}, {"max_num_fields": 1})]
    cases.append({"qs": "a=1&b=2", "bytes": True})
    cases.append({"qs": "a=%41", "bytes": True})
    check_cases(httpd, cases)


def test_parse_qs_seeded_fuzz_matches_urllib(httpd):
    """Always runs, hypothesis or not: 2000 seeded random cases."""
    check_cases(httpd, random_cases(20241122, 2000))


def test_parse_qs_property_matches_urllib(httpd):
    """Property-based (hypothesis), when it is installed."""
    hypothesis = pytest.importorskip("hypothesis")
    strategies = hypothesis.strategies

    tokens = list(_qs_alphabet()) + ["%41", "%e9", "%C3%A9", "+", "&", "="]
    query = strategies.one_of(
        strategies.lists(strategies.sampled_from(tokens),
                         max_size=30).map("".join),
        strategies.text(max_size=20))
    kwargs = strategies.fixed_dictionaries({}, optional={
        "keep_blank_values": strategies.booleans(),
        "strict_parsing": strategies.booleans(),
        "encoding": strategies.sampled_from(["utf-8", "latin-1"]),
        "errors": strategies.sampled_from(["replace", "strict",
                                           "surrogateescape"]),
        "separator": strategies.sampled_from(["&", ";", "+", "&;"]),
        "max_num_fields": strategies.integers(0, 5)})
    cases = strategies.lists(strategies.fixed_dictionaries(
        {"qs": query, "kwargs": kwargs}), min_size=1, max_size=25)

    @hypothesis.settings(max_examples=60, deadline=None, derandomize=True,
                         suppress_health_check=list(
                             hypothesis.HealthCheck))
    @hypothesis.given(cases)
    def check(batch):
        check_cases(httpd, batch)

    check()


def random_signatures(seed, count):
    """Seeded random def statements: positional-only, defaults, *args,
    keyword-only with and without defaults, **kwargs, local variables."""
    rng = random.Random(seed)
    sources = []
    for _ in range(count):
        names = ["a%d" % i for i in range(rng.randrange(0, 8))]
        split = rng.randrange(0, len(names) + 1)
        positional, keyword_only = names[:split], names[split:]
        defaults = rng.randrange(0, len(positional) + 1)
        parts = [name + ("=1" if i >= len(positional) - defaults else "")
                 for i, name in enumerate(positional)]
        if positional and rng.random() < 0.5:
            parts.insert(rng.randrange(1, len(positional) + 1), "/")
        if rng.random() < 0.3:
            parts.append("*args")
        elif keyword_only:
            parts.append("*")
        parts += [name + ("=2" if rng.random() < 0.5 else "")
                  for name in keyword_only]
        if rng.random() < 0.3:
            parts.append("**kw")
        sources.append("def f(%s):\n    local = 1\n    return local\n"
                       % ", ".join(parts))
    return sources


def test_parameters_read_from_code_match_inspect(httpd):
    """apply_fs_data reads a plain function's parameters from its code
    object (no inspect import per interpreter): same answer as
    inspect.signature, for functions and for methods (bound)."""
    sources = random_signatures(20261122, 1500)
    response = httpd.post("/parameters", host=HOST, data=json.dumps(sources))
    assert response.status_code == 200, response.text
    assert response.json() == {"checked": 1500, "mismatches": []}


# ------------------------------------------------------------ multipart

def test_multipart_fields_and_upload(httpd):
    content = bytes(range(256)) * 4 + b"\r\n--" + BOUNDARY[:-1].encode() \
        + b"\r\n\r\n\r--\n"
    body = multipart([
        (form_data("title"), "Ünïcode ✓".encode()),
        (form_data("upload", "photo 1.bin", "application/octet-stream; x=1"),
         content),
        (form_data("tags"), b"a"),
        (form_data("tags"), b""),
        (form_data("empty", ""), b""),
    ])
    status, _, data, _ = raw_post(httpd, "/fields?q=1", body, MULTIPART)
    assert status == 200, data
    got = fields(data)
    assert [f["name"] for f in got] == [
        "q", "title", "upload", "tags", "tags", "empty"]
    title = got[1]
    assert title["kind"] == "StringField" and title["value"] == "Ünïcode ✓"
    assert title["disposition"] == "form-data"
    assert title["disposition_options"] == {"name": "title"}
    upload = got[2]
    assert upload["kind"] == "Field"
    assert upload["filename"] == "photo 1.bin"
    assert upload["content"].encode("latin-1") == content
    assert upload["value_is_bytes"]
    assert upload["type"] == "application/octet-stream"
    assert upload["type_options"] == {"x": "1"}
    assert upload["disposition"] == "form-data"
    assert upload["disposition_options"] == {"name": "upload",
                                             "filename": "photo 1.bin"}
    assert upload["headers"]["content-type"] == \
        "application/octet-stream; x=1"
    assert got[3]["value"] == "a" and got[4]["value"] == ""
    assert got[5]["kind"] == "Field" and got[5]["filename"] == ""
    assert got[5]["content"] == ""


def test_multipart_part_charset_and_rfc5987_filename(httpd):
    body = multipart([
        (form_data("latin", ctype="text/plain; charset=latin-1"), b"caf\xe9"),
        ({"Content-Disposition": "form-data; name=\"f\"; filename=\"x\"; "
          "filename*=UTF-8''%E2%82%AC.txt"}, b"euro"),
    ])
    status, _, data, _ = raw_post(httpd, "/fields", body, MULTIPART)
    assert status == 200, data
    got = fields(data)
    assert got[0]["value"] == "café"
    assert got[1]["filename"] == "€.txt"


def test_multipart_bytes_that_are_not_utf8_are_surrogateescaped(httpd):
    """In names, values and file names of a UTF-8 form: kept, escaped,
    never a 400 or a 500 (Doc/util.rst)."""
    body = multipart([
        ({"Content-Disposition": 'form-data; name="n\xe9"'.encode(
            "latin-1").decode("utf-8", "surrogateescape")}, b"v\xff\xfe"),
        ({"Content-Disposition": 'form-data; name="f"; filename="\xe9.txt"'
          .encode("latin-1").decode("utf-8", "surrogateescape")}, b"x"),
    ])
    status, _, data, _ = raw_post(httpd, "/fields", body, MULTIPART)
    assert status == 200, data
    got = fields(data)
    assert got[0]["name"] == "n\udce9"
    assert got[0]["value"] == "v\udcff\udcfe"
    assert got[1]["filename"] == "\udce9.txt"


def test_multipart_quoted_boundary_and_preamble(httpd):
    body = b"preamble text\r\n" + multipart([(form_data("a"), b"1")],
                                            boundary="q b") + b"epilogue"
    status, _, data, _ = raw_post(httpd, "/fields", body,
                                  'multipart/form-data; boundary="q b"')
    assert status == 200, data
    assert [(f["name"], f["value"]) for f in fields(data)] == [("a", "1")]


@pytest.mark.parametrize("shift", [1, 2, 3, 8, 20, 23, 24, 25])
def test_boundary_split_across_reads(httpd, shift):
    """The delimiter straddles the 64 KiB read size at various offsets."""
    read_size = 64 * 1024
    prefix = multipart([(form_data("f", "f.bin"), b"")], close=False)
    prefix = prefix[:prefix.index(b"\r\n\r\n") + 4]
    length = read_size - len(prefix) - shift
    content = (b"\r\n-" * (length // 3 + 1))[:length]
    body = multipart([(form_data("f", "f.bin"), content),
                      (form_data("after"), b"ok")])
    assert body.index(b"\r\n--" + BOUNDARY.encode(), len(prefix)) == \
        read_size - shift
    status, _, data, _ = raw_post(httpd, "/fields", body, MULTIPART)
    assert status == 200, data
    got = fields(data)
    assert got[0]["content"].encode("latin-1") == content
    assert got[1]["value"] == "ok"


def upload_stream(size, seed=7):
    """(length, chunks iterator, sha256) of a multipart upload of size
    pseudo-random bytes, with CR, LF and near-boundaries mixed in."""
    rng = random.Random(seed)
    block = bytearray(rng.randbytes(1 << 20))
    near = b"\r\n--" + BOUNDARY[:-2].encode()
    for offset in range(0, len(block) - 64, 4099):
        block[offset:offset + len(near)] = near
    block = bytes(block)
    head = multipart([(form_data("note"), b"big one")], close=False) \
        + b"--" + BOUNDARY.encode() + b"\r\n" \
        + b'Content-Disposition: form-data; name="blob"; ' \
          b'filename="blob.bin"\r\nContent-Type: application/octet-stream' \
          b"\r\n\r\n"
    tail = b"\r\n--" + BOUNDARY.encode() + b"--\r\n"
    digest = hashlib.sha256()
    full, rest = divmod(size, len(block))
    for _ in range(full):
        digest.update(block)
    digest.update(block[:rest])

    def chunks():
        yield head
        for _ in range(full):
            yield block
        yield block[:rest]
        yield tail
    return len(head) + size + len(tail), chunks(), digest.hexdigest()


def test_large_upload_streams_with_bounded_memory(httpd):
    """64 MiB upload: the handler's RSS grows by a few MiB at most."""
    size = 64 * 1024 * 1024 + 12345
    length, chunks, digest = upload_stream(size)
    status, _, data, seconds = raw_post(httpd, "/upload", length, MULTIPART,
                                        chunks=chunks)
    assert status == 200, data
    got = json.loads(data)
    assert got["files"]["note"] == {"value": "big one"}
    blob = got["files"]["blob"]
    assert blob["size"] == size and blob["sha256"] == digest
    assert blob["filename"] == "blob.bin"
    growth_kib = got["rss_peak_kib"] - got["rss_before_kib"]
    print("upload of %d MiB: RSS growth %d KiB, parse %.2fs, total %.2fs"
          % (size >> 20, growth_kib, got["parse_seconds"], seconds))
    assert growth_kib < 8 * 1024, got


def test_chunked_upload(httpd):
    """A body sent with Transfer-Encoding: chunked (no Content-Length)."""
    length, chunks, digest = upload_stream(3 * 1024 * 1024 + 5, seed=3)
    response = httpd.post("/upload", host=HOST, data=chunks,
                          headers={"Content-Type": MULTIPART})
    assert response.status_code == 200, response.text
    assert response.json()["files"]["blob"]["sha256"] == digest


# -------------------------------------------- malformed multipart = 400

MALFORMED = {
    "no boundary parameter": (
        "multipart/form-data", multipart([(form_data("a"), b"1")]),
        "without a boundary parameter"),
    "boundary never appears": (
        MULTIPART, b"just some text\r\nwithout any delimiter\r\n",
        "does not contain its boundary"),
    "empty body": (MULTIPART, b"", "does not contain its boundary"),
    "truncated inside a part": (
        MULTIPART, multipart([(form_data("a"), b"12345")])[:-30],
        "ends inside a part"),
    "truncated after a delimiter": (
        MULTIPART, b"--" + BOUNDARY.encode(),
        "ends before its closing boundary"),
    "truncated inside headers": (
        MULTIPART, b"--" + BOUNDARY.encode() + b"\r\nContent-Disp",
        "ends before its closing boundary"),
    "no closing delimiter": (
        MULTIPART, multipart([(form_data("a"), b"1")], close=False),
        "ends inside a part"),
    "junk after boundary": (
        MULTIPART, b"--" + BOUNDARY.encode() + b"junk\r\n\r\n1\r\n--"
        + BOUNDARY.encode() + b"--\r\n",
        "not followed by CRLF"),
    "bare LF in header": (
        MULTIPART, multipart([({"Content-Disposition":
                                'form-data; name="a"\nX: y'}, b"1")]),
        "bare CR or LF"),
    "bare CR in header": (
        MULTIPART, multipart([({"Content-Disposition":
                                'form-data; name="a\rb"'}, b"1")]),
        "bare CR or LF"),
    "header without colon": (
        MULTIPART, multipart([({"Content-Disposition": 'form-data; name="a"',
                                "Broken header line": "x"}, b"1")]).replace(
            b"Broken header line: x", b"Broken header line"),
        "malformed multipart part header"),
    "huge header line": (
        MULTIPART, multipart([({"Content-Disposition": 'form-data; name="a"',
                                "X-Huge": "h" * 100000}, b"1")]),
        "headers longer than"),
    "huge boundary": (
        "multipart/form-data; boundary=" + "b" * 300, b"x",
        "boundary longer than"),
    "unknown charset": (
        "application/x-www-form-urlencoded; charset=no-such-charset",
        b"a=1", "unknown charset"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_body_is_400_with_reason(httpd, case):
    ctype, body, reason = MALFORMED[case]
    since = httpd.error_log_size()
    status, _, data, seconds = raw_post(httpd, "/uncaught", body, ctype)
    assert status == 400, data
    assert reason in data.decode(), data
    assert seconds < 10
    log = httpd.wait_for_log("bad form data", since)
    assert reason in log
    assert "Traceback" not in httpd.error_log_since(since)


def test_body_over_limit_request_body_is_413(httpd):
    status, _, data, _ = raw_post(httpd, "/limited", b"a=" + b"x" * 200,
                                  "application/x-www-form-urlencoded")
    assert status == 413, data


def test_client_closing_before_content_length_is_not_a_500(httpd):
    """The client half-closes with the body cut short: 400, no traceback."""
    body = multipart([(form_data("a"), b"1")])
    since = httpd.error_log_size()
    with socket.create_connection(("127.0.0.1", httpd.port),
                                  timeout=20) as sock:
        sock.sendall(("POST /uncaught HTTP/1.1\r\nHost: %s\r\n"
                      "Content-Type: %s\r\nContent-Length: %d\r\n"
                      "Connection: close\r\n\r\n"
                      % (HOST, MULTIPART, len(body) + 1000)).encode() + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert "Traceback" not in httpd.error_log_since(since)


# ------------------------------------------------- how many fields (413)

URLENCODED = "application/x-www-form-urlencoded"


def query(count, name="f"):
    """count fields named name (short: a query string must stay under
    LimitRequestLine, 8190 bytes)."""
    return "&".join([name + "=1"] * count)


def post_fields(httpd, path, in_query, in_body):
    """POST a form with in_query fields in the query string and in_body
    urlencoded fields in the body."""
    target = path + ("?" + query(in_query, "q") if in_query else "")
    return raw_post(httpd, target, query(in_body).encode(), URLENCODED)


def multipart_fields(httpd, path, count):
    body = multipart([(form_data("p%d" % i), b"v") for i in range(count)])
    return raw_post(httpd, path, body, MULTIPART)


FORMS = {
    "urlencoded body": lambda httpd, path, count: post_fields(
        httpd, path, 0, count),
    "query string": lambda httpd, path, count: post_fields(
        httpd, path, count, 0),
    "query and body together": lambda httpd, path, count: post_fields(
        httpd, path, count // 2, count - count // 2),
    "multipart parts": multipart_fields,
    "multipart parts and query": lambda httpd, path, count: raw_post(
        httpd, path + "?" + query(count // 2, "q"),
        multipart([(form_data("p%d" % i), b"")
                   for i in range(count - count // 2)]), MULTIPART),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_more_fields_than_the_limit_is_413(httpd, form):
    """Default limit 1000: the query string and the body count together,
    a multipart part is one field; 1000 pass, 1001 are refused."""
    status, _, body, _ = FORMS[form](httpd, "/count", 1000)
    assert status == 200, body
    assert fields(body)["fields"] == 1000
    since = httpd.error_log_size()
    status, _, body, _ = FORMS[form](httpd, "/count", 1001)
    assert status == 413, body
    log = httpd.wait_for_log("bad form data", since)
    assert "more than 1000 form fields (PythonOption " \
        "mod_python.util.max_fields)" in log
    assert "Traceback" not in httpd.error_log_since(since)


def test_get_with_too_many_query_fields_is_413(httpd):
    response = httpd.get("/count?" + query(1001), host=HOST)
    assert response.status_code == 413
    assert httpd.get("/count?" + query(1000),
                     host=HOST).json()["fields"] == 1000


def test_the_part_over_the_limit_is_never_read(httpd):
    """The part over the limit is counted when its headers are read: no
    file is made for it (file_callback is not called)."""
    body = multipart([({"Content-Disposition": 'form-data; name="f%d"; '
                        'filename="file%d"' % (i, i)}, b"data")
                      for i in range(7)])
    status, _, data, _ = raw_post(httpd, "/callbacks_max5", body, MULTIPART)
    assert status == 200, data
    assert json.loads(data) == {"error": 413, "called": [
        "file0", "file1", "file2", "file3", "file4"]}


def test_blank_fields_that_are_dropped_do_not_count(httpd):
    """Without keep_blank_values empty fields are not fields at all."""
    body = (b"&" * 5000) + b"a=&" * 5000 + b"b=1"
    status, _, data, _ = raw_post(httpd, "/fields", body, URLENCODED)
    assert status == 200, data
    assert [(f["name"], f["value"]) for f in fields(data)] == [("b", "1")]


@pytest.mark.parametrize("form", ["urlencoded body", "multipart parts"])
def test_max_fields_option_lowers_and_raises_the_limit(httpd, form):
    make = FORMS[form]
    assert make(httpd, "/max5", 5)[0] == 200
    assert make(httpd, "/max5", 6)[0] == 413
    status, _, body, _ = make(httpd, "/max2000", 2000)
    assert status == 200 and fields(body)["fields"] == 2000
    assert make(httpd, "/max2000", 2001)[0] == 413
    status, _, body, _ = make(httpd, "/unlimited", 5000)
    assert status == 200 and fields(body)["fields"] == 5000


@pytest.mark.parametrize("where,value", [("word", "'many'"),
                                         ("negative", "'-1'"),
                                         ("fraction", "'1.5'")])
def test_bad_max_fields_option_is_a_500_that_names_it(httpd, where, value):
    since = httpd.error_log_size()
    response = httpd.get("/badmax_%s?a=1" % where, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log("mod_python.util: PythonOption", since)
    assert ("PythonOption mod_python.util.max_fields %s is not a whole "
            "number >= 0 (0: no limit)" % value) in log
    assert "Traceback" not in httpd.error_log_since(since)


def test_publisher_answers_413_beyond_the_limit(httpd):
    for target in ("/pub/page.py", "/pub/page.py/echo"):
        status, _, body, _ = post_fields(httpd, target, 0, 1001)
        assert status == 413, (target, body)
    status, _, body, _ = raw_post(httpd, "/pub/page.py/echo",
                                  query(999).encode() + b"&a=x", URLENCODED)
    assert (status, body) == (200, b"a=x")


def test_request_like_object_without_options_gets_the_default_limit(httpd):
    got = httpd.get("/outside?" + query(1000), host=HOST).json()
    assert got == {"fields": 1000}
    got = httpd.get("/outside?" + query(1001), host=HOST).json()
    assert got["status"] == 413
    assert "more than 1000 form fields" in got["reason"]


# ----------------------------------------- memory: bounded by the body

MIB = 1024 * 1024


def _distinct_names(size):
    body = "&".join("k%d=v" % i for i in range(size // 8)).encode()
    return body[:size]


BODIES = {
    # the 2 MB of "a&": a million fields
    "a& x 1M": lambda: b"a&" * MIB,
    "a=1& x 512k": lambda: b"a=1&" * (MIB // 2),
    "ab=cd& x 349k": lambda: b"ab=cd&" * (2 * MIB // 6),
    "distinct names": lambda: _distinct_names(2 * MIB),
    "one 2 MB field": lambda: b"a=" + b"x" * (2 * MIB),
}


@pytest.mark.parametrize("limit", ["default", "unlimited"])
@pytest.mark.parametrize("shape", sorted(BODIES))
def test_peak_memory_is_bounded_by_the_body(httpd, shape, limit):
    """The child's peak RSS grows by at most 10x the body while a 2 MB
    form is parsed and handed to a published function (the issue: +551 MB
    for 'a&' x 1M): with the default limit a form of many fields is
    refused early.  Without a limit the fields are kept compactly: 25x at
    worst (the issue measured 275x)."""
    body = BODIES[shape]()
    path = "/memory" if limit == "default" else "/memory_unlimited"
    status, _, data, _ = raw_post(httpd, path, body, URLENCODED)
    assert status == 200, data
    got = fields(data)
    print("%s, %s limit: %d: %d KiB growth for %d KiB (%.1fx), by %s"
          % (shape, limit, got["status"], got["growth_kib"],
             len(body) // 1024, got["growth_kib"] * 1024 / len(body),
             got["measured_by"]))
    expected = 413 if limit == "default" and shape != "one 2 MB field" \
        else 200
    assert got["status"] == expected, got
    # Without a limit, a field costs 16 bytes plus its name and value
    # (a str is ~50 bytes more than its text, and the first 1000 distinct
    # ones are shared): ~10x for 2-10 byte fields.  Growing the two lists
    # of a million pointers may copy them (realloc that cannot extend in
    # place), which doubles that at the peak: seen once at 15x+ under
    # event in a full run, so the bound leaves room for it.
    bound = 10 if limit == "default" else 25
    assert got["growth_kib"] * 1024 <= bound * len(body), got


# ------------------------------------------------ name index and chunks

def test_add_field_after_a_lookup_is_found(httpd):
    """add_field() once a lookup built the name index (before and after
    form.list was made): the index must not be stale."""
    response = httpd.get("/add_after_lookup?a=1&b=2", host=HOST)
    assert response.status_code == 200, response.text
    got = response.json()
    for stage, keys in (("fields", ["a", "b", "new-fields"]),
                        ("list", ["a", "b", "new-fields", "new-list"])):
        added = ["added-fields"] + (["added-list"] if stage == "list"
                                    else [])
        assert got[stage]["a"] == ["1"] + added, stage
        assert got[stage]["new"] == "n" and got[stage]["has_new"]
        assert got[stage]["item"] == "n"
        assert got[stage]["keys"] == keys and got[stage]["len"] == len(keys)


def test_urlencoded_body_read_in_chunks_parses_like_one_string(httpd):
    """Fields, %-escapes and multi-byte characters that straddle the 64 KiB
    reads come out as urllib.parse reads the whole body."""
    rng = random.Random(5)
    pieces = ["é", "%C3%A9", "+", "%", "%2", "a", "=", "&", "\U0001f600",
              "%FF", "xyz"]
    text = "".join(rng.choice(pieces) for _ in range(120000))
    body = text.encode("utf-8")
    assert len(body) > 3 * 65536
    status, _, data, _ = raw_post(httpd, "/fields_unlimited", body,
                                  URLENCODED + "; charset=utf-8",
                                  headers={"X-Keep-Blank": "1"})
    expected = urllib.parse.parse_qsl(
        text, keep_blank_values=True, encoding="utf-8",
        errors="surrogateescape")
    assert len(expected) > 5000
    assert status == 200, data[:300]
    assert [(f["name"], f["value"]) for f in fields(data)] == expected


# -------------------------------------------------------------- redirect

def test_redirect_temporary(httpd):
    response = httpd.get("/redirect", host=HOST,
                         headers={"X-Location": "http://example.test/a?b=<c>"})
    assert response.status_code == 302
    assert response.headers["Location"] == "http://example.test/a?b=<c>"
    assert "not reached" not in response.text
    assert 'href="http://example.test/a?b=&lt;c&gt;"' in response.text


def test_redirect_permanent_with_text(httpd):
    response = httpd.get("/redirect", host=HOST,
                         headers={"X-Location": "/elsewhere",
                                  "X-Permanent": "1", "X-Text": "moved!"})
    assert response.status_code == 301
    assert response.headers["Location"] == "/elsewhere"
    assert response.text == "moved!"


def test_redirect_after_output_raises_ioerror(httpd):
    response = httpd.get("/redirect", host=HOST,
                         headers={"X-Location": "/x", "X-Write-First": "1"})
    assert response.status_code == 200
    assert response.text.startswith("already sent IOError: cannot redirect")
    assert "Location" not in response.headers


def test_fieldstorage_field_and_stringfield_as_35(httpd):
    """file_callback, field_callback, items(), has_key, add_field, clear
    and the repr/str of fields as mod_python 3.5 documents and prints
    them (its test_util_fieldstorage compares the repr of form.list)."""
    body = multipart([(form_data("a"), b"1"), (form_data("t"), b"text"),
                      (form_data("up", "u.txt"), b"upload\x00data"),
                      (form_data("a"), b"2")])
    status, _, answer, _ = raw_post(httpd, "/compat35?q=0", body, MULTIPART)
    assert status == 200, answer
    got = json.loads(answer)
    assert got["callbacks"] == [["field"], ["field"], ["file", "u.txt"],
                                ["field"]]
    assert got["upload_file_is_kept"] and got["text_file_is_kept"]
    assert got["text_file_content"] == "text"
    assert got["list_repr"] == (
        "[Field(b'q', b'0'), Field(b'a', b'1'), Field(b't', b'text'), "
        "Field(b'up', b'upload\\x00data'), Field(b'a', b'2')]")
    assert got["items"] == [["q", "0"], ["a", "1"], ["t", "text"],
                            ["a", "2"]]
    assert got["item_names"] == ["q", "a", "t", "up", "a"]
    assert got["str_t"] == "text" and got["repr_t"] == "Field(b't', b'text')"
    assert got["ctype"] == ["text/plain", "text/plain"]
    assert got["disp_options"] == {"name": "up", "filename": "u.txt"}
    assert got["by_hand"] == ["h.txt", "text/plain", "xy",
                              "Field(b'h', b'xy')"]
    assert got["has_key"] == [True, False]
    assert got["big_repr"] == "Field(b'big', <%d bytes of 'big.bin'>)" \
        % (64 * 1024 + 1)
    assert got["after_add"] == ["text", "again"]
    assert got["after_clear"] == [0, [], []]


def test_urlencoded_list_prints_as_35_does(httpd):
    """3.5's own check: the repr of form.list for spam=1&spam=2&eggs=3."""
    status, _, answer, _ = raw_post(
        httpd, "/compat35_list", b"spam=1&spam=2&eggs=3&bacon=4",
        "application/x-www-form-urlencoded")
    assert status == 200, answer
    assert answer == (b"[Field(b'spam', b'1'), Field(b'spam', b'2'), "
                      b"Field(b'eggs', b'3'), Field(b'bacon', b'4')]")


def test_many_small_uploads_hold_no_descriptor_each(httpd):
    """300 small files and 2 large ones: the small ones stay in memory
    (each held a temporary file's descriptor until the request ended:
    1000 of them, the default field limit, exhaust a 1024 limit), the
    large ones go to disk, and every content comes back intact."""
    big = bytes(range(256)) * 800            # 200 KiB: on disk
    contents = {"f%d" % i: b"x%d" % i * 50 for i in range(300)}
    contents.update({"big1": big, "big2": big[::-1]})
    parts = [(form_data(name, name + ".bin"), content)
             for name, content in contents.items()]
    status, _, data, _ = raw_post(httpd, "/many_files", multipart(parts),
                                  MULTIPART)
    assert status == 200, data
    got = json.loads(data)
    assert got["fds_held"] <= 2, got["fds_held"]
    assert got["files"] == {
        name: [len(content), hashlib.sha256(content).hexdigest()]
        for name, content in contents.items()}
