"""Every documented member of the request, connection and server objects,
compared with what the client sent (manual 4.5.3, 4.5.4, 4.5.6)."""

import time

from test_api_client import chunked, request

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-members.test
    ServerAlias api-members-alias.test *.api-members-wild.test
    ServerAdmin webmaster@api-members.test
    ServerPath /legacy
    Timeout 7
    DocumentRoot {htdocs}/api/members
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/members>
        SetHandler mod_python
        PythonHandler membersmod
        PythonFixupHandler membersmod
    </Directory>
</VirtualHost>
"""

HOST = "api-members.test"

# the members of the manual (and the 3.x ones mod_python users rely on)
DOCUMENTED_REQUEST = {
    "connection", "server", "next", "prev", "main", "the_request",
    "assbackwards", "proxyreq", "header_only", "protocol", "proto_num",
    "hostname", "request_time", "status_line", "status", "method",
    "method_number", "allowed", "allowed_xmethods", "allowed_methods",
    "sent_bodyct", "bytes_sent", "mtime", "chunked", "range", "clength",
    "remaining", "read_length", "read_body", "read_chunked", "expecting_100",
    "headers_in", "headers_out", "err_headers_out", "subprocess_env", "notes",
    "phase", "interpreter", "content_type", "handler", "content_encoding",
    "vlist_validator", "user", "ap_auth_type", "no_cache", "no_local_copy",
    "unparsed_uri", "uri", "filename", "canonical_filename", "path_info",
    "args", "finfo", "parsed_uri", "used_path_info", "eos_sent"}
# conn.child_num is not known to Apache 2.4 (see Doc/api-reference.rst)
DOCUMENTED_CONNECTION_GAPS = ["child_num"]


def members(httpd, method="GET", target="/page.txt/extra/info?x=1&y=%C3%A9",
            headers=(), body=b"", host=HOST):
    response = request(httpd.port, method, target, host,
                       headers=[("User-Agent", "api-test"),
                                ("X-Api-Two", "two words")] + list(headers),
                       body=body)
    assert response.status == 200, response.body
    return response, response.json()


def test_every_documented_member_exists(httpd):
    _, result = members(httpd)
    assert result["missing"] == {"request": [],
                                 "connection": DOCUMENTED_CONNECTION_GAPS,
                                 "server": []}
    present = set(result["request"]) | set(result["objects"])
    assert DOCUMENTED_REQUEST <= present


def test_request_members_match_what_the_client_sent(httpd):
    started = time.time()
    response, result = members(httpd)
    req = result["request"]
    assert req["the_request"] == \
        "GET /page.txt/extra/info?x=1&y=%C3%A9 HTTP/1.1"
    assert req["method"] == "GET"
    assert req["method_number"] == 0                      # M_GET
    assert req["protocol"] == "HTTP/1.1"
    assert req["proto_num"] == 1001
    assert req["hostname"] == HOST
    assert req["unparsed_uri"] == "/page.txt/extra/info?x=1&y=%C3%A9"
    assert req["uri"] == "/page.txt/extra/info"
    assert req["args"] == "x=1&y=%C3%A9"
    assert req["path_info"] == "/extra/info"
    assert req["filename"] == "%s/api/members/page.txt" % httpd.htdocs
    assert req["canonical_filename"] == req["filename"]
    assert req["parsed_uri"] == [None, None, None, None, None, None,
                                 "/page.txt/extra/info", "x=1&y=%C3%A9", None]
    assert req["header_only"] == 0
    assert req["assbackwards"] == 0
    assert req["proxyreq"] == 0
    assert req["status"] == 200
    assert req["phase"] == "PythonHandler"
    assert req["interpreter"] == HOST
    assert req["handler"] == "mod_python"
    assert abs(req["request_time"] - started) < 5
    assert req["finfo"][12] == 1                          # APR_REG
    assert req["finfo"][6] == len("page text\n")
    assert req["useragent_ip"] == "127.0.0.1"
    assert req["useragent_addr"] == ["127.0.0.1", response.client_address[1]]
    assert req["user"] is None and req["ap_auth_type"] is None
    assert req["read_chunked"] == 0 and req["read_length"] == 0
    assert req["bytes_sent"] == 0 and req["eos_sent"] == 0
    sent = req["headers_in"]
    assert sent["Host"] == HOST
    assert sent["User-Agent"] == "api-test"
    assert sent["X-Api-Two"] == "two words"
    assert sent["Connection"] == "close"
    assert req["headers_out"] == {"X-Header-Only": "False"}
    assert req["content_type"] == "text/plain"          # mod_mime, .txt
    assert isinstance(req["notes"], dict)
    assert isinstance(req["subprocess_env"], dict)
    assert result["objects"] == {"connection": "mp_conn",
                                 "server": "mp_server", "next": "NoneType",
                                 "prev": "NoneType", "main": "NoneType"}


def test_connection_members(httpd):
    response, result = members(httpd)
    conn = result["connection"]
    assert conn["remote_ip"] == "127.0.0.1"
    assert conn["remote_addr"] == ["127.0.0.1", response.client_address[1]]
    assert conn["local_ip"] == "127.0.0.1"
    assert conn["local_addr"] == ["127.0.0.1", httpd.port]
    assert conn["remote_host"] is None           # HostnameLookups Off
    assert conn["remote_logname"] is None
    assert conn["aborted"] is False
    assert conn["keepalives"] == 0
    assert isinstance(conn["id"], int)
    assert isinstance(conn["notes"], dict)
    assert result["base_is_server"] is False     # base: the default vhost


def test_server_members(httpd):
    _, result = members(httpd)
    server = result["server"]
    assert server["server_hostname"] == HOST
    assert server["server_admin"] == "webmaster@api-members.test"
    assert server["is_virtual"] is True
    assert server["timeout"] == 7
    assert server["keep_alive_timeout"] == 5
    assert server["keep_alive"] is True
    assert server["keep_alive_max"] == 100
    assert server["path"] == "/legacy" and server["pathlen"] == 7
    assert server["names"] == ["api-members-alias.test"]
    assert server["wild_names"] == ["*.api-members-wild.test"]
    assert server["defn_name"] == str(httpd.conf)
    lines = httpd.conf.read_text().splitlines()
    assert lines[server["defn_line_number"] - 1].strip() == \
        "<VirtualHost *:%d>" % httpd.port
    assert lines[server["defn_line_number"]].strip() == \
        "ServerName api-members.test"
    assert server["error_fname"] is None         # logs to the main log
    assert server["loglevel"] == 6               # LogLevel info
    assert server["srm_confname"] is None
    assert server["send_buffer_size"] == 0
    assert server["limit_req_line"] == 8190
    assert server["limit_req_fields"] == 100
    assert isinstance(server["server_uid"], int)
    assert isinstance(server["server_gid"], int)
    assert server["my_generation"] == 0
    assert abs(server["restart_time"] - time.time()) < 3600


def test_head_sets_header_only(httpd):
    response = request(httpd.port, "HEAD", "/page.txt", HOST)
    assert response.status == 200
    assert response.header(b"X-Header-Only") == b"True"
    assert response.body == b""


def test_post_body_members(httpd):
    _, result = members(httpd, "POST", "/page.txt", body=b"0123456789")
    req = result["request"]
    assert req["method"] == "POST" and req["method_number"] == 2
    assert req["read_length"] == 10
    assert req["read_chunked"] == 0
    assert req["remaining"] == 0
    assert req["headers_in"]["Content-Length"] == "10"


def test_chunked_post_sets_read_chunked(httpd):
    _, result = members(httpd, "POST", "/page.txt",
                        headers=[("Transfer-Encoding", "chunked")],
                        body=chunked(b"abc" * 100, size=7))
    assert result["request"]["read_chunked"] == 1
    assert result["request"]["read_length"] == 300


def test_absolute_uri_fills_parsed_uri(httpd):
    target = "http://%s:%d/page.txt?q" % (HOST, httpd.port)
    _, result = members(httpd, target=target)
    parsed = result["request"]["parsed_uri"]
    assert parsed[0] == "http"
    assert parsed[1] == "%s:%d" % (HOST, httpd.port)
    assert parsed[4] == HOST
    assert parsed[5] == httpd.port
    assert parsed[6] == "/page.txt"
    assert parsed[7] == "q"


def test_http_1_0_request(httpd):
    response = request(httpd.port, "GET", "/page.txt", HOST,
                       protocol=b"HTTP/1.0")
    result = response.json()
    assert result["request"]["protocol"] == "HTTP/1.0"
    assert result["request"]["proto_num"] == 1000


def test_read_only_members_refuse_assignment(httpd):
    response = request(httpd.port, "GET", "/read-only", HOST)
    result = response.json()
    assert sorted(result["refused"]) == sorted(
        ["the_request", "assbackwards", "header_only", "protocol",
         "proto_num", "hostname", "request_time", "method", "method_number",
         "allowed", "allowed_xmethods", "allowed_methods", "sent_bodyct",
         "bytes_sent", "mtime", "chunked", "range", "clength", "remaining",
         "read_length", "read_body", "read_chunked", "expecting_100",
         "phase", "interpreter", "vlist_validator", "no_local_copy",
         "unparsed_uri", "parsed_uri", "eos_sent", "connection", "server",
         "next", "prev", "main", "useragent_ip"])
    assert "'method'" in result["refused"]["method"]
    assert "not writable" in result["refused"]["method"]
    assert result["connection"] == ["remote_ip", "local_addr", "id", "notes"]
    assert result["server"] == ["server_hostname", "port", "timeout"]
    assert result["none_uri"][0] == "TypeError"
    assert result["int_uri"][0] == "TypeError"
    assert result["del_status"][0] == "AttributeError"


def test_writable_members_change_the_response(httpd):
    response = request(httpd.port, "GET", "/writable?arg", HOST)
    assert response.status == 299
    assert response.raw.startswith(b"HTTP/1.1 299 Custom Thing\r\n")
    assert response.header(b"Content-Type") == b"text/x-api; charset=utf-8"
    assert response.header(b"Content-Encoding") == b"x-api-coding"
    assert response.header(b"Content-Language") == b"en,fr"
    assert response.header(b"Expires") is not None      # no_cache
    assert response.json() == {
        "status": 299, "status_line": "299 Custom Thing",
        "content_type": "text/x-api; charset=utf-8",
        "content_encoding": "x-api-coding", "content_languages": ["en", "fr"],
        "no_cache": 1, "user": "someone", "ap_auth_type": "Custom",
        "args": None, "proxyreq": 0, "used_path_info": 0,
        "path_info": "/changed", "filename": "/changed/file",
        "canonical_filename": "/changed/file", "uri": "/changed-uri",
        "_content_type_set": True}


def test_attributes_persist_across_phases(httpd):
    response = request(httpd.port, "GET", "/attributes", HOST)
    assert response.json() == {
        "from_fixup": {"phase": "PythonFixupHandler", "list": [1, 2]},
        "handler": "yes", "deleted": False, "dict": ["set_in_fixup"]}
