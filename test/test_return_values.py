"""What a handler returns (or raises) becomes the response status."""

from urllib.parse import urlsplit

import pytest

CONFIG = """
<VirtualHost *:{port}>
    ServerName returns.test
    DocumentRoot {htdocs}/returns
    <Directory {htdocs}/returns>
        SetHandler mod_python
        PythonHandler returns
    </Directory>
    <Directory {htdocs}/returns/none>
        PythonHandler returns_none
    </Directory>
    <Directory {htdocs}/returns/string>
        PythonHandler returns_string
    </Directory>
</VirtualHost>
"""

HOST = "returns.test"

# Manual section 4.2 (seed 004): every constant with its value.
EXPECTED_CONSTANTS = {
    "OK": 0, "DECLINED": -1, "DONE": -2,
    "HTTP_CONTINUE": 100, "HTTP_SWITCHING_PROTOCOLS": 101,
    "HTTP_PROCESSING": 102, "HTTP_OK": 200, "HTTP_CREATED": 201,
    "HTTP_ACCEPTED": 202, "HTTP_NON_AUTHORITATIVE": 203,
    "HTTP_NO_CONTENT": 204, "HTTP_RESET_CONTENT": 205,
    "HTTP_PARTIAL_CONTENT": 206, "HTTP_MULTI_STATUS": 207,
    "HTTP_MULTIPLE_CHOICES": 300, "HTTP_MOVED_PERMANENTLY": 301,
    "HTTP_MOVED_TEMPORARILY": 302, "HTTP_SEE_OTHER": 303,
    "HTTP_NOT_MODIFIED": 304, "HTTP_USE_PROXY": 305,
    "HTTP_TEMPORARY_REDIRECT": 307, "HTTP_BAD_REQUEST": 400,
    "HTTP_UNAUTHORIZED": 401, "HTTP_PAYMENT_REQUIRED": 402,
    "HTTP_FORBIDDEN": 403, "HTTP_NOT_FOUND": 404,
    "HTTP_METHOD_NOT_ALLOWED": 405, "HTTP_NOT_ACCEPTABLE": 406,
    "HTTP_PROXY_AUTHENTICATION_REQUIRED": 407, "HTTP_REQUEST_TIME_OUT": 408,
    "HTTP_CONFLICT": 409, "HTTP_GONE": 410, "HTTP_LENGTH_REQUIRED": 411,
    "HTTP_PRECONDITION_FAILED": 412, "HTTP_REQUEST_ENTITY_TOO_LARGE": 413,
    "HTTP_REQUEST_URI_TOO_LARGE": 414, "HTTP_UNSUPPORTED_MEDIA_TYPE": 415,
    "HTTP_RANGE_NOT_SATISFIABLE": 416, "HTTP_EXPECTATION_FAILED": 417,
    "HTTP_UNPROCESSABLE_ENTITY": 422, "HTTP_LOCKED": 423,
    "HTTP_FAILED_DEPENDENCY": 424, "HTTP_INTERNAL_SERVER_ERROR": 500,
    "HTTP_NOT_IMPLEMENTED": 501, "HTTP_BAD_GATEWAY": 502,
    "HTTP_SERVICE_UNAVAILABLE": 503, "HTTP_GATEWAY_TIME_OUT": 504,
    "HTTP_VERSION_NOT_SUPPORTED": 505, "HTTP_VARIANT_ALSO_VARIES": 506,
    "HTTP_INSUFFICIENT_STORAGE": 507, "HTTP_NOT_EXTENDED": 510,
}


def test_constants_of_mod_python_apache(httpd):
    response = httpd.get("/constants", host=HOST)
    assert response.status_code == 200, response.text
    actual = response.json()
    wrong = {name: actual.get(name) for name, value in EXPECTED_CONSTANTS.items()
             if actual.get(name) != value}
    assert wrong == {}, "missing or wrong constants (name: found value)"


def test_ok_sends_the_written_body(httpd):
    response = httpd.get("/write_ok", host=HOST)
    assert (response.status_code, response.text) == (200, "ok")


def test_declined_content_handler_lets_apache_serve_the_file(httpd):
    response = httpd.get("/declined", host=HOST)
    assert (response.status_code, response.text) == (200, "the static file\n")


def test_done_sends_the_written_body(httpd):
    response = httpd.get("/done", host=HOST)
    assert (response.status_code, response.text) == (200, "done")


@pytest.mark.parametrize("code", [400, 403, 404, 410, 500, 501, 503])
def test_returned_http_code_is_the_response_status(httpd, code):
    response = httpd.get("/status?code=%d" % code, host=HOST)
    assert response.status_code == code


def test_req_status_set_by_handler(httpd):
    response = httpd.get("/set_status", host=HOST)
    assert (response.status_code, response.text) == (201, "created")


def test_server_return_with_an_http_code(httpd):
    assert httpd.get("/raise_forbidden", host=HOST).status_code == 403


@pytest.mark.parametrize("action", ["raise_ok_pair", "raise_ok_tuple",
                                    "raise_done_pair"])
def test_server_return_with_result_and_status(httpd, action):
    """SERVER_RETURN(OK or DONE, status): handler done, req.status set."""
    response = httpd.get("/" + action, host=HOST)
    assert response.status_code == 202, response.text


def test_server_return_status_applies_to_the_unflushed_body(httpd):
    response = httpd.get("/raise_pair_after_unflushed_write", host=HOST)
    assert (response.status_code, response.text) == (202, "accepted")


@pytest.mark.parametrize("code", [301, 302, 303, 307])
def test_redirect(httpd, code):
    response = httpd.get("/redirect?code=%d" % code, host=HOST)
    assert response.status_code == code
    location = response.headers.get("Location")
    assert location is not None, response.headers
    assert urlsplit(location).path == "/elsewhere", location


@pytest.mark.parametrize("path, handler", [
    ("/none/page", "returns_none"),
    ("/string/page", "returns_string"),
])
def test_returning_a_non_int_is_an_error(httpd, path, handler):
    offset = httpd.error_log_size()
    response = httpd.get(path, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log(handler, since=offset)
    assert handler in log, "no error-log line names the handler"
