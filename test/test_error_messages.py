"""Errors that say what to do (issue 18 item 6): a missing handler names
the file imported and what it defines; `PythonHandler myscript.py` is told
"module, not file"; a missing module shows the sys.path searched (with
PythonDebug On); tracebacks start at the user's code, not in mod_python's
dispatch or importlib."""

import re

import pytest

CONFIG = """
<VirtualHost *:{port}>
    ServerName errmsg.test
    DocumentRoot {htdocs}/errmsg
    PythonPath "sys.path+['{htdocs}/errmsg/lib', '{htdocs}/errmsg']"
    <Directory {htdocs}/errmsg>
        Require all granted
        SetHandler mod_python
        PythonHandler myscript
        PythonDebug On
    </Directory>
    <Location /raises>
        PythonHandler myscript::raises
    </Location>
    <Location /filename>
        PythonHandler myscript.py
    </Location>
    <Location /missing>
        PythonHandler mylib
    </Location>
    <Location /missing-nodebug>
        PythonHandler mylib
        PythonDebug Off
    </Location>
    <Location /brokenlib>
        PythonHandler brokenlib
    </Location>
</VirtualHost>
"""
HOST = "errmsg.test"


def failing(httpd, path, wanted):
    offset = httpd.error_log_size()
    response = httpd.get(path, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log(wanted, since=offset)
    assert wanted in log, log
    return response, log


def traceback_frames(text):
    return re.findall(r'File "([^"]+)", line \d+, in (\S+)', text)


def test_missing_handler_names_the_file_and_what_it_defines(httpd):
    response, log = failing(httpd, "/page", "contains no 'handler'")
    assert "module 'myscript' (%s/errmsg/myscript.py)" % httpd.htdocs in log
    assert "it defines Page, helper, raises, spam" in log
    assert "PythonHandler module::function" in log
    assert "_mp_" not in log.split("contains no")[0].splitlines()[-1]
    assert "it defines Page, helper, raises, spam" in response.text   # PythonDebug


def test_handler_named_by_its_file_is_told_module_not_file(httpd):
    response, log = failing(httpd, "/filename/x", "MP01003")
    assert "mod_python.apache: MP01003: PythonHandler myscript.py: a " \
        "handler names a module, not a file: write PythonHandler " \
        "myscript" in log
    assert "MP01003" in response.text


def test_missing_module_shows_the_sys_path_with_debug(httpd):
    response, log = failing(httpd, "/missing/x", "MP01004")
    assert "No module named 'mylib': sys.path searched" in log
    assert "%s/errmsg/lib" % httpd.htdocs in log.split("MP01004")[1]
    assert "sys.path searched" in response.text


def test_missing_module_hides_the_sys_path_without_debug(httpd):
    response, log = failing(httpd, "/missing-nodebug/x",
                            "No module named 'mylib'")
    block = log.split("exception in PythonHandler mylib")[-1]
    assert "MP01004" not in block and "sys.path" not in block
    assert "sys.path" not in response.text


def test_traceback_starts_at_the_users_code(httpd):
    response, log = failing(httpd, "/raises/x", "raised in the user's code")
    block = log.split("exception in PythonHandler myscript::raises")[-1]
    frames = traceback_frames(block)
    assert frames, block
    assert frames[0] == ("%s/errmsg/myscript.py" % httpd.htdocs, "raises")
    assert not any(name.endswith("apache.py") for name, _ in frames), block
    assert "Traceback (most recent call last):" in block
    # (called from C, a handler's traceback has no mod_python frames to
    # leave out; an import error's does: the next test)
    assert traceback_frames(response.text)[0][1] == "raises"


def test_import_error_traceback_has_no_importlib_frames(httpd):
    response, log = failing(httpd, "/brokenlib/x", "brokenlib fails")
    block = log.split("exception in PythonHandler brokenlib")[-1]
    frames = traceback_frames(block)
    assert frames and frames[0][0].endswith("/errmsg/lib/brokenlib.py"), \
        block
    assert not any("importlib" in name for name, _ in frames), block
