"""Bad input from the client: invalid UTF-8 and NUL bytes in the path,
the query and header values.  Members are str decoded as UTF-8 with
surrogateescape, so nothing raises, and writing a value back sends the
original bytes."""

import json
import uuid

from test_api_client import RawResponse, request, send_raw

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-bad.test
    DocumentRoot {htdocs}/api/bad
    PythonPath "sys.path+['{htdocs}/api/bad']"
    PythonPostReadRequestHandler badmod
    <Directory {htdocs}/api/bad>
        SetHandler mod_python
        PythonHandler badmod
    </Directory>
</VirtualHost>
"""

HOST = "api-bad.test"


def as_str(raw):
    return raw.decode("utf-8", "surrogateescape")


def echo(httpd, target, headers=()):
    response = request(httpd.port, "GET", target, HOST, headers=headers)
    assert response.status == 200, response.body
    found_json, _, written_uri = response.body.partition(b"\n")
    return response, json.loads(found_json), written_uri


def test_raw_high_bytes_in_the_path(httpd):
    target = b"/echo/caf\xe9/\xff\xfe/\xc3\xa9"
    response, found, written = echo(httpd, target)
    assert found["uri"] == as_str(target)
    assert found["uri"].endswith("/\u00e9")        # valid UTF-8 decodes
    assert found["the_request"] == as_str(b"GET " + target + b" HTTP/1.1")
    assert found["unparsed_uri"] == as_str(target)
    assert found["parsed_path"] == as_str(target)
    assert response.header(b"X-Echo-Uri") == target
    assert written == target


def test_percent_encoded_invalid_utf8_in_the_path(httpd):
    response, found, written = echo(httpd, "/echo/%ff%fe%c3%a9")
    assert found["uri"] == as_str(b"/echo/\xff\xfe\xc3\xa9")
    assert found["unparsed_uri"] == "/echo/%ff%fe%c3%a9"
    assert written == b"/echo/\xff\xfe\xc3\xa9"


def test_raw_and_encoded_bytes_in_the_query(httpd):
    target = b"/echo?raw=\xff\x80&nul=%00&bad=%ff&ok=%C3%A9"
    response, found, _ = echo(httpd, target)
    assert found["args"] == as_str(b"raw=\xff\x80&nul=%00&bad=%ff&ok=%C3%A9")
    assert response.header(b"X-Echo-Args") == target.split(b"?", 1)[1]


def test_raw_high_bytes_in_a_header_value(httpd):
    value = b"caf\xe9 \xff\xfe \xc3\xa9 end"
    response, found, _ = echo(httpd, "/echo", headers=[(b"X-Raw", value)])
    assert found["raw_header"] == as_str(value)
    assert response.header(b"X-Echo-Header") == value
    assert response.header(b"X-Echo-Header-Table") == value


def test_encoded_nul_in_the_path_is_refused_by_apache(httpd):
    trace_id = uuid.uuid4().hex
    response = request(httpd.port, "GET", "/echo/a%00b", HOST,
                       headers=[("X-Trace-Id", trace_id)])
    assert response.status == 404          # ap_unescape_url refuses %00
    # mod_python saw the request first, without trouble
    seen = json.loads(httpd.wait_for_var(trace_id))
    assert seen["unparsed_uri"] == "/echo/a%00b"
    assert seen["the_request"] == "GET /echo/a%00b HTTP/1.1"


def test_raw_nul_bytes_are_refused_by_apache(httpd):
    for raw in (b"GET /echo/a\x00b HTTP/1.1\r\nHost: api-bad.test\r\n"
                b"Connection: close\r\n\r\n",
                b"GET /echo HTTP/1.1\r\nHost: api-bad.test\r\n"
                b"X-Raw: a\x00b\r\nConnection: close\r\n\r\n"):
        response = RawResponse(send_raw(httpd.port, raw))
        assert response.status == 400
    # and the server is fine
    _, found, _ = echo(httpd, "/echo/after")
    assert found["uri"] == "/echo/after"


def test_nul_bytes_cannot_be_written_into_apache_strings(httpd):
    response = request(httpd.port, "GET", "/nul", HOST)
    assert response.status == 200
    body_part, _, checks = response.body.partition(b";")
    assert body_part == b"body with \0 is fine"
    assert json.loads(checks) == {
        "uri": "ValueError", "header": "ValueError",
        "header_key": "ValueError", "content_type": "ValueError",
        "log": "ok", "body": "ok",  # a NUL is logged as \\x00
        "surrogate_body": "UnicodeEncodeError"}
