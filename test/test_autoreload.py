"""PythonAutoReload: a changed handler module is reloaded (or not)."""

import itertools
import os
import re
import time

import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName autoreload.test
    DocumentRoot {htdocs}/autoreload
    <Directory {htdocs}/autoreload/on>
        SetHandler mod_python
        PythonHandler reload_on
    </Directory>
    <Directory {htdocs}/autoreload/renamed>
        SetHandler mod_python
        PythonHandler renamed
    </Directory>
    <Directory {htdocs}/autoreload/off>
        SetHandler mod_python
        PythonHandler reload_off
        PythonAutoReload Off
    </Directory>
</VirtualHost>
"""

HOST = "autoreload.test"
_future = itertools.count(10, 10)


def rewrite(path, version):
    """Give the module a new VERSION and a modification time ahead."""
    text = re.sub(r'VERSION = ".*"', 'VERSION = "%s"' % version,
                  path.read_text())
    path.write_text(text)
    when = time.time() + next(_future)
    os.utime(path, (when, when))


def version(session, httpd, path):
    response = session.get(httpd.url(path), headers={"Host": HOST},
                           timeout=20)
    assert response.status_code == 200, response.text
    return response.text


def test_autoreload_on_picks_up_a_changed_module(httpd):
    module = httpd.htdocs / "autoreload" / "on" / "reload_on.py"
    with requests.Session() as session:   # keep-alive: the same process
        assert version(session, httpd, "/on/page") == "version 1"
        rewrite(module, "version 2")
        assert version(session, httpd, "/on/page") == "version 2"
    for _ in range(6):
        with requests.Session() as session:
            assert version(session, httpd, "/on/page") == "version 2"


def test_a_renamed_function_is_gone_after_the_reload(httpd):
    """A handler module is executed as a fresh module when its file
    changes: names it no longer defines do not linger (issue 18 item 6;
    Doc/troubleshooting.rst, "Changes do not show")."""
    module = httpd.htdocs / "autoreload" / "renamed" / "renamed.py"
    with requests.Session() as session:   # keep-alive: the same process
        assert version(session, httpd, "/renamed/x") == "old_name"
        module.write_text(module.read_text().replace("old_name", "new_name"))
        when = time.time() + next(_future)
        os.utime(module, (when, when))
        assert version(session, httpd, "/renamed/x") == "new_name"


def test_autoreload_off_keeps_the_old_module_until_restart(httpd):
    module = httpd.htdocs / "autoreload" / "off" / "reload_off.py"
    with requests.Session() as session:   # keep-alive: the same process
        assert version(session, httpd, "/off/page") == "version 1"
        rewrite(module, "version 2")
        for _ in range(3):
            assert version(session, httpd, "/off/page") == "version 1"
    httpd.restart()
    with requests.Session() as session:
        assert version(session, httpd, "/off/page") == "version 2"


def test_req_autoreload_tells_the_setting(httpd):
    """req._autoreload: what the publisher and cgihandler check."""
    for path, expected in (("/on/page", "True"), ("/off/page", "False")):
        response = httpd.get(path, host=HOST)
        assert response.headers["X-Autoreload"] == expected
