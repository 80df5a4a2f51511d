"""The applications of mod_python 3.5's test_wsgihandler and
test_wsgihandler_location, rewritten: each answers "test ok" only when
the environ is what 3.5 promised, and writes a marker to wsgi.errors."""

import sys


def _answer(environ, start_response, script_name, path_info):
    checks = {
        "input is the request": type(environ["wsgi.input"]).__name__
        == "mp_request",
        "errors is sys.stderr": environ["wsgi.errors"] is sys.stderr,
        "version": environ["wsgi.version"] == (1, 0),
        "multithread": environ["wsgi.multithread"] in (True, False),
        "multiprocess": environ["wsgi.multiprocess"] in (True, False),
        "url_scheme": environ["wsgi.url_scheme"] == "http",
        "SCRIPT_NAME": environ["SCRIPT_NAME"] == script_name,
        "PATH_INFO": environ["PATH_INFO"] == path_info,
    }
    failed = [name for name, ok in checks.items() if not ok]
    output = "test fail: %s\n" % ", ".join(failed) if failed else "test ok\n"
    environ["wsgi.errors"].write("written_from_wsgi_test\n")
    environ["wsgi.errors"].flush()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(output)))])
    # a str, as 3.5's test application returns (PEP 3333 wants bytes)
    return [output]


def application(environ, start_response):
    return _answer(environ, start_response, "", "/tests.py")


def base_uri(environ, start_response):
    return _answer(environ, start_response, "/foo", "/bar")
