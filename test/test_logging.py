"""Python's logging, warnings and stderr land in Apache's error log.

The bridge (lib/python/mod_python/logbridge.py) writes through the request
being handled, so each line carries Apache's level tag ``[python:LEVEL]``
and the client context ``[client 127.0.0.1:PORT]``.
"""

import re
import uuid

import pytest

CONFIG = """
<VirtualHost *:{port}>
    ServerName logging.test
    LogLevel debug
    DocumentRoot {htdocs}/logging
    PythonPath "sys.path+['{htdocs}/logging']"
    PythonOutputFilter logtest LOGFILTER
    <Directory {htdocs}/logging>
        SetHandler mod_python
        PythonHandler logtest::dispatch
    </Directory>
    <Location /filtered>
        SetOutputFilter LOGFILTER
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName logging-info.test
    DocumentRoot {htdocs}/logging
    <Directory {htdocs}/logging>
        SetHandler mod_python
        PythonHandler logtest::dispatch
    </Directory>
</VirtualHost>
"""

DEBUG_HOST = "logging.test"
INFO_HOST = "logging-info.test"
# At LogLevel debug Apache also names the C source line: "file.c(123): ".
CLIENT = r"(?:\S+\(\d+\): )?\[client 127\.0\.0\.1:\d+\] "


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:12]


def run(httpd, name, tag, host=DEBUG_HOST, expect=None):
    """Request /<name>?<tag>; returns the error log written meanwhile once
    the expected text (default: the tag) shows up in it."""
    offset = httpd.error_log_size()
    response = httpd.get("/%s?%s" % (name, tag), host=host)
    assert response.status_code == 200, response.text
    return httpd.wait_for_log(expect or tag, since=offset)


def line_for(log, text):
    lines = [line for line in log.splitlines() if text in line]
    assert lines, "no error-log line with %r in:\n%s" % (text, log)
    return lines[0]


@pytest.mark.parametrize("python_level, apache_level", [
    ("debug", "debug"), ("info", "info"), ("warning", "warn"),
    ("error", "error"), ("critical", "crit")])
def test_levels_are_mapped_with_the_client_context(httpd, tag, python_level,
                                                   apache_level):
    log = run(httpd, "levels", tag, expect="root-critical " + tag)
    line = line_for(log, "root-%s %s" % (python_level, tag))
    assert re.search(r"\[python:%s\] \[pid \d+[^]]*\] %sroot-%s %s$"
                     % (apache_level, CLIENT, python_level, tag), line), line


def test_apache_loglevel_decides_what_is_written(httpd, tag):
    log = run(httpd, "levels", tag, host=INFO_HOST,
              expect="root-critical " + tag)
    assert "root-info %s" % tag in log
    assert "root-debug %s" % tag not in log


def test_named_logger_prefixes_its_name(httpd, tag):
    line = line_for(run(httpd, "named", tag), tag)
    assert re.search(r"\[python:warn\] .*%smp\.logtest: named-warning %s$"
                     % (CLIENT, tag), line), line


def test_exception_traceback_one_line_each(httpd, tag):
    log = run(httpd, "exception", tag, expect="KeyError: 'missing-key-" + tag)
    lines = [line for line in log.splitlines() if "[python:error]" in line]
    text = "\n".join(lines)
    assert "mp.logtest: caught " + tag in text
    assert "Traceback (most recent call last):" in text
    assert all(re.search(CLIENT, line) for line in lines), text


def test_stderr_lines_land_with_the_request_context(httpd, tag):
    log = run(httpd, "stderr", tag, expect="stderr-unterminated " + tag)
    for text in ("stderr-line " + tag, "stderr-two-parts " + tag,
                 "stderr-unterminated " + tag):
        line = line_for(log, text)
        assert re.search(r"\[python:error\] .*%s%s$" % (CLIENT, text),
                         line), line


def test_warnings_land_as_warn(httpd, tag):
    log = run(httpd, "warn", tag)
    line = line_for(log, "warned-" + tag)
    assert re.search(r"\[python:warn\] .*%spy\.warnings: .*logtest\.py:\d+: "
                     r"UserWarning: warned-%s$" % (CLIENT, tag), line), line


def test_undecodable_text_is_escaped_not_lost(httpd, tag):
    line = line_for(run(httpd, "surrogates", tag), tag)
    # the byte 0xE9 and NUL as \xNN; Apache doubles the backslashes
    assert r"odd-\\xe9-\\x00-" + tag in line


def test_without_a_request_the_server_log_is_used(httpd, tag):
    line = line_for(run(httpd, "thread", tag), "thread-error " + tag)
    assert "[python:error]" in line
    assert "[client " not in line


def test_filter_logs_through_its_request(httpd, tag):
    offset = httpd.error_log_size()
    response = httpd.get("/filtered/text?" + tag, host=DEBUG_HOST)
    assert response.text == "filtered " + tag
    log = httpd.wait_for_log("filter-warning " + tag, since=offset)
    line = line_for(log, "filter-warning " + tag)
    assert re.search(r"\[python:warn\] .*%sfilter-warning %s$"
                     % (CLIENT, tag), line), line
