"""Uncaught exceptions and broken handler modules; PythonDebug."""

import pytest

from harness import CRASH_PATTERNS

CONFIG = """
<VirtualHost *:{port}>
    ServerName debug.test
    DocumentRoot {htdocs}/debug
    <Directory {htdocs}/debug>
        SetHandler mod_python
        PythonHandler debugmod
        PythonDebug Off
    </Directory>
    <Directory {htdocs}/debug/on>
        PythonDebug On
    </Directory>
    <Directory {htdocs}/debug/syntaxerror>
        PythonHandler broken_syntax
    </Directory>
    <Directory {htdocs}/debug/importerror>
        PythonHandler broken_import
    </Directory>
    <Directory {htdocs}/debug/missing>
        PythonHandler no_such_handler_module
    </Directory>
    <Directory {htdocs}/debug/noobject>
        PythonHandler no_object::no_such_function
    </Directory>
</VirtualHost>
"""

HOST = "debug.test"
TRACEBACK = "Traceback (most recent call last)"


def test_exception_is_logged_with_traceback(httpd, trace_id):
    offset = httpd.error_log_size()
    response = httpd.get("/page?raise=" + trace_id, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log("boom " + trace_id, since=offset)
    assert TRACEBACK in log
    # the class's module by its file's name, not the private hashed one
    assert "debugmod.MarkerError: boom " + trace_id in log
    assert "_mp_" not in log


def test_debug_off_leaks_nothing(httpd, trace_id):
    response = httpd.get("/page?raise=" + trace_id, host=HOST)
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert trace_id not in response.text
    assert "MarkerError" not in response.text


def test_debug_on_sends_the_traceback(httpd, trace_id):
    response = httpd.get("/on/page?raise=" + trace_id, host=HOST)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/plain")
    assert TRACEBACK in response.text
    assert "debugmod.MarkerError: boom " + trace_id in response.text
    assert "_mp_" not in response.text


def test_debug_on_still_logs(httpd, trace_id):
    offset = httpd.error_log_size()
    httpd.get("/on/page?raise=" + trace_id, host=HOST)
    assert "MarkerError: boom " + trace_id in \
        httpd.assert_log("boom " + trace_id, since=offset)


@pytest.mark.parametrize("path, expected_in_log", [
    ("/syntaxerror/page", "SyntaxError"),
    ("/importerror/page", "no_such_module_for_mod_python_tests"),
    ("/missing/page", "no_such_handler_module"),
    ("/noobject/page", "no_such_function"),
], ids=["syntax-error", "import-error", "missing-module", "missing-object"])
def test_broken_handler_module_is_a_500_and_the_child_survives(
        httpd, path, expected_in_log):
    offset = httpd.error_log_size()
    response = httpd.get(path, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log(expected_in_log, since=offset)
    assert expected_in_log in log, "no clear error-log line"
    for _ in range(5):
        again = httpd.get("/page", host=HOST)
        assert (again.status_code, again.text) == (200, "fine")
    crashes = [line for line in httpd.error_log_since(offset).splitlines()
               if any(pattern in line for pattern in CRASH_PATTERNS)]
    assert crashes == []
