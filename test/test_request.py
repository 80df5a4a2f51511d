"""The request object: members, tables, reading and writing."""

import os

CONFIG = """
<VirtualHost *:{port}>
    ServerName request.test
    DocumentRoot {htdocs}/request
    <Directory {htdocs}/request>
        SetHandler mod_python
        PythonHandler reqmod
        PythonFixupHandler reqmod::fixup_sets_attribute
        PythonDebug On
    </Directory>
    <Directory {htdocs}/request/auth>
        AuthType Basic
        AuthName "request"
        Require valid-user
        PythonAuthenHandler authmod
    </Directory>
</VirtualHost>
"""

HOST = "request.test"


def get(httpd, path, **kwargs):
    response = httpd.get(path, host=HOST, **kwargs)
    assert response.status_code == 200, response.text
    return response


def test_request_members(httpd):
    members = get(httpd, "/members/page.py/extra/info?x=1&y=2").json()
    assert members == {
        "uri": "/members/page.py/extra/info",
        "filename": "%s/request/members/page.py" % httpd.htdocs,
        "path_info": "/extra/info",
        "args": "x=1&y=2",
        "method": "GET",
        "phase": "PythonHandler",
        "interpreter": HOST,
        "remote_ip": "127.0.0.1",
        "server_hostname": HOST,
    }


def test_method_of_a_post(httpd):
    response = httpd.post("/members/page.py", host=HOST, data=b"x")
    assert response.status_code == 200, response.text
    assert response.json()["method"] == "POST"
    assert response.json()["args"] is None


def test_headers_in_lookup_is_case_insensitive(httpd):
    response = get(httpd, "/headers_in", headers={"X-Custom-Header": "abc"})
    assert response.json() == {"lower": "abc", "upper": "abc",
                               "contains": True}


def test_headers_out_reach_the_client(httpd):
    response = get(httpd, "/headers_out")
    assert response.headers.get("X-Mp-Out") == "from the handler"


def test_content_type_is_sent(httpd):
    response = get(httpd, "/content_type")
    assert response.headers["Content-Type"] == "application/x-mod-python-test"


def test_status_is_writable(httpd):
    response = httpd.get("/status", host=HOST)
    assert (response.status_code, response.text) == (201, "created")


def test_write_takes_bytes_and_str(httpd):
    response = get(httpd, "/write")
    assert response.content == b"bytes-\x00\xff-" + "str-\u00e9\u20ac".encode()


def test_read_returns_the_posted_body_as_bytes(httpd):
    body = os.urandom(100000) + b"\xff\xfe not utf-8 \x00"
    response = httpd.post("/read", host=HOST, data=body)
    assert response.status_code == 200, response.text
    assert response.headers["X-Read-Type"] == "bytes"
    assert response.content == body


def test_get_config_reports_python_debug(httpd):
    assert get(httpd, "/config").json().get("PythonDebug") == "1"


def test_attributes_set_in_one_phase_are_seen_in_the_next(httpd):
    assert get(httpd, "/attribute").json() == "set in fixup"


def test_user_and_basic_auth_password(httpd):
    response = get(httpd, "/auth/page", auth=("spam", "eggs"))
    assert response.json() == {"user": "spam", "password": "eggs"}
    assert httpd.get("/auth/page", host=HOST, auth=("spam", "x")).status_code \
        == 401
