"""The request object's methods (manual 4.5.3, plus the 3.x additions)."""

import email.utils
import uuid

from test_api_client import request

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-request.test
    DocumentRoot {htdocs}/api/request
    PythonPath "sys.path+['{htdocs}/api/common']"
    PythonOption server-option from-server
    PythonOption shadowed server
    <Directory {htdocs}/api/request>
        SetHandler mod_python
        PythonHandler reqapi
        PythonFixupHandler reqapi
        PythonDebug On
        PythonAutoReload Off
        PythonOption dir-option from-directory
        PythonOption shadowed directory
    </Directory>
    <Location /auth-info>
        AuthType Basic
        AuthName "api realm"
        Require all granted
    </Location>
</VirtualHost>
"""

HOST = "api-request.test"
DATA = bytes(range(256)) * 16


def get(httpd, path, status=200, **kwargs):
    response = httpd.get(path, host=HOST, **kwargs)
    assert response.status_code == status, response.text
    return response


def test_add_handler_runs_the_added_handler_after_the_configured_ones(httpd):
    assert get(httpd, "/add-handler").text == "configured;added;"
    errors = get(httpd, "/add-handler-errors").json()
    assert errors["unknown"][0] == "ValueError"
    assert errors["cleanup"][0] == "ValueError"
    assert errors["empty"][0] == "ValueError"


def test_add_common_vars_fills_subprocess_env(httpd):
    result = get(httpd, "/common-vars", headers={"X-Api": "hdr"}).json()
    assert result == {"before": False, "after": True, "header": "hdr",
                      "remote": "127.0.0.1",
                      "document_root": "%s/api/request" % httpd.htdocs}


def test_add_cgi_vars(httpd):
    result = get(httpd, "/cgi-vars/extra?q=1").json()
    assert result["QUERY_STRING"] == "q=1"
    assert result["REQUEST_METHOD"] == "GET"
    assert result["REQUEST_URI"] == "/cgi-vars/extra?q=1"
    assert result["GATEWAY_INTERFACE"] == "CGI/1.1"


def test_allow_methods_builds_the_allow_header(httpd):
    response = get(httpd, "/allow", status=405)
    allowed = [m.strip() for m in response.headers["Allow"].split(",")]
    assert {"GET", "PUT", "FROB"} <= set(allowed)
    response = get(httpd, "/allow?reset", status=405)
    allowed = [m.strip() for m in response.headers["Allow"].split(",")]
    assert "POST" in allowed and "FROB" not in allowed and "PUT" not in allowed


def test_allowed_members_follow_allow_methods(httpd):
    result = get(httpd, "/allowed-members").json()
    assert result["allowed"] & (1 << 0) and result["allowed"] & (1 << 2)
    assert result["allowed_methods"] == ["FROB"]
    assert result["allowed_xmethods"] == []
    assert result["bad"][0] == "TypeError"


def test_document_root(httpd):
    assert get(httpd, "/document-root").json() == \
        "%s/api/request" % httpd.htdocs


def test_get_basic_auth_pw(httpd):
    assert get(httpd, "/basic-auth", auth=("spam", "p\u00e4ss".encode())) \
        .json() == {"password": "p\u00e4ss", "user": "spam"}
    # not UTF-8 (requests sends a str as Latin-1): read as Latin-1, as
    # mod_python 3.5 does (test_compat35 has the user name too)
    assert get(httpd, "/basic-auth", auth=("spam", "p\u00e4ss")).json() == \
        {"password": "p\u00e4ss", "user": "spam"}
    assert get(httpd, "/basic-auth").json() == {"password": None,
                                                "user": None}


def test_get_config(httpd):
    result = get(httpd, "/config").json()
    assert result["type"] == "mp_table"
    assert result["config"]["PythonDebug"] == "1"
    assert result["config"]["PythonAutoReload"] == "0"
    assert not [key for key in result["config"]
                if key.endswith("Handler") or key == "PythonOption"]


def test_get_options_merges_server_and_directory(httpd):
    result = get(httpd, "/options").json()
    assert result["options"] == {"server-option": "from-server",
                                 "dir-option": "from-directory",
                                 "shadowed": "directory",
                                 "written": "only in the copy"}
    assert result["fresh"] is False
    assert result["server"] == {"server-option": "from-server",
                                "shadowed": "server"}


def test_get_remote_host(httpd):
    result = get(httpd, "/remote-host").json()
    assert result["default"] == "127.0.0.1"      # HostnameLookups Off
    assert result["nolookup"] == "127.0.0.1"
    assert result["host"] is None
    assert result["name_ip"] == ["127.0.0.1", 1]
    assert result["nolookup_none"] == "127.0.0.1"
    assert result["double_rev"] is None or isinstance(result["double_rev"],
                                                      str)
    assert result["bad_type"][0] == "ValueError"


def test_internal_redirect_links_prev_and_next(httpd):
    offset = httpd.error_log_size()
    result = get(httpd, "/redirect").json()
    assert result == {"uri": "/redirected/more", "args": "x=1",
                      "prev_uri": "/redirect", "prev_next_is_me": True,
                      "main": None, "prev_attribute": None}
    log = httpd.wait_for_log("api redirect:", since=offset)
    assert "api redirect: next.uri=/redirected/more next.prev is req: True" \
        in log
    marked = get(httpd, "/redirect-marked").json()
    assert marked["prev_attribute"] == "set before the redirect"


def test_register_cleanup_runs_after_the_request(httpd):
    name = "cleanup-" + uuid.uuid4().hex
    offset = httpd.error_log_size()
    assert get(httpd, "/cleanup?" + name).json()["not_callable"][0] \
        == "TypeError"
    assert httpd.wait_for_var(name) == "cleanup ran\n"
    log = httpd.wait_for_log("cleanup failure " + name, since=offset)
    assert "RuntimeError: cleanup failure " + name in log


def test_write_takes_bytes_str_and_buffers(httpd):
    response = get(httpd, "/write")
    assert response.content == (b"bytes;" + "str-\u00e9;".encode()
                                + b"raw-\xff;bytearray;memoryview;kw;"
                                + b"flushkw;TypeError"
                                + b";TypeError(True)" * 5)


def test_set_content_length(httpd):
    response = request(httpd.port, "GET", "/content-length", HOST)
    assert response.status == 200
    assert response.header(b"Content-Length") == b"5"
    assert response.header(b"X-Clength") == b"5"
    assert response.header(b"X-Bad") == b"ValueError"
    assert response.body == b"12345"


def test_sendfile(httpd):
    response = get(httpd, "/sendfile")
    assert response.content == DATA + b"|sent=%d" % len(DATA)
    response = get(httpd, "/sendfile?offset=1000&len=100")
    assert response.content == DATA[1000:1100] + b"|sent=100"
    response = get(httpd, "/sendfile?offset=4000&len=-1")
    assert response.content == DATA[4000:] + b"|sent=96"
    errors = get(httpd, "/sendfile-errors").json()
    assert errors["missing"][0] == "FileNotFoundError"
    assert errors["directory"][0] == "OSError"
    assert errors["offset"][0] == "ValueError"
    assert errors["past_end"] == ["ok", 0]


def test_construct_url(httpd):
    # UseCanonicalName Off: the name and port the client asked for
    urls = get(httpd, "/construct-url").json()
    assert urls == ["http://%s/x/y?z" % HOST, "http://%s\udcff" % HOST]
    with_port = "%s:%d" % (HOST, httpd.port)
    urls = request(httpd.port, "GET", "/construct-url", with_port).json()
    assert urls[0] == "http://%s/x/y?z" % with_port


def test_is_https_and_ssl_var_lookup_without_ssl(httpd):
    assert get(httpd, "/ssl").json() == {"is_https": False, "protocol": None}


def test_discard_request_body(httpd):
    response = httpd.post("/discard", host=HOST, data=b"x" * 10000)
    assert response.status_code == 200
    assert response.json() == {"status": 0, "read": ""}


def test_auth_name_and_auth_type(httpd):
    assert get(httpd, "/auth-info").json() == {"name": "api realm",
                                               "type": "Basic"}
    assert get(httpd, "/no-auth-info").json() == {"name": None, "type": None}


def test_conditional_get_with_mtime_etag_and_meets_conditions(httpd):
    response = get(httpd, "/conditional")
    assert response.text == "mtime=1000000000.0"
    last_modified = response.headers["Last-Modified"]
    assert email.utils.parsedate_to_datetime(last_modified).timestamp() \
        == 1000000000
    etag = response.headers["ETag"]
    assert etag
    not_modified = get(httpd, "/conditional", status=304,
                       headers={"If-Modified-Since": last_modified})
    assert not_modified.content == b""
    get(httpd, "/conditional", status=304, headers={"If-None-Match": etag})
    get(httpd, "/conditional", status=412,
        headers={"If-Match": '"something-else"'})
