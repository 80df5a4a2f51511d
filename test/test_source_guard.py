"""A handler's Python source is never sent as a file (issue 18 item 5):
where a Python*Handler of a <Directory> applies but no AddHandler or
SetHandler gives the URL to mod_python, a .py file is refused with 403 and
MP01010 in the error log (src/sourceguard.c)."""

import pytest

from test_cli import workdir  # noqa: F401 (fixture)

SECRET = "SECRET-IN-SOURCE"

CONFIG = """
<VirtualHost *:{port}>
    ServerName guard-forgot.test
    DocumentRoot {htdocs}/sourceguard/forgot
    <Directory {htdocs}/sourceguard/forgot>
        Require all granted
        PythonHandler myscript
        PythonDebug On
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName guard-otherext.test
    DocumentRoot {htdocs}/sourceguard/otherext
    <Directory {htdocs}/sourceguard/otherext>
        Require all granted
        AddHandler mod_python .html
        PythonHandler myscript
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName guard-fixup.test
    DocumentRoot {htdocs}/sourceguard/fixup
    <Directory {htdocs}/sourceguard/fixup>
        Require all granted
        PythonFixupHandler myscript
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName guard-plain.test
    DocumentRoot {htdocs}/sourceguard/plain
    <Directory {htdocs}/sourceguard/plain>
        Require all granted
    </Directory>
    <Location /python>
        PythonHandler myscript
    </Location>
</VirtualHost>
"""


def assert_refused(httpd, path, host):
    since = httpd.error_log_size()
    response = httpd.get(path, host=host)
    assert response.status_code == 403, response.text
    assert SECRET not in response.text
    log = httpd.wait_for_log("MP01010", since)
    assert "MP01010: not sending" in log, log
    assert "AddHandler mod_python .py" in log
    return log


@pytest.mark.parametrize("path", ["/myscript.py", "/MYSCRIPT.py/",
                                  "/myscript.py?x=1"])
def test_forgotten_addhandler_does_not_serve_the_source(httpd, path):
    response = httpd.get(path, host="guard-forgot.test")
    assert SECRET not in response.text
    assert response.status_code in (403, 404)


def test_forgotten_addhandler_is_logged_with_the_handler(httpd):
    log = assert_refused(httpd, "/myscript.py", "guard-forgot.test")
    assert "PythonHandler myscript" in log
    assert "/sourceguard/forgot/myscript.py" in log


def test_other_files_of_the_directory_are_still_served(httpd):
    response = httpd.get("/notes.txt", host="guard-forgot.test")
    assert (response.status_code, response.text) == (200, "static text\n")


def test_addhandler_for_another_extension(httpd):
    response = httpd.get("/page.html", host="guard-otherext.test")
    assert (response.status_code, response.text) == (200, "ran the handler")
    assert_refused(httpd, "/myscript.py", "guard-otherext.test")


def test_a_directory_with_only_a_fixup_handler(httpd):
    log = assert_refused(httpd, "/myscript.py", "guard-fixup.test")
    assert "PythonFixupHandler myscript" in log


def test_directories_without_python_handlers_are_left_alone(httpd):
    """A site may publish .py files where no Python handler is configured
    (a <Location> handler has no directory of modules)."""
    response = httpd.get("/download.py", host="guard-plain.test")
    assert response.status_code == 200
    assert SECRET in response.text


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_created_site_never_sends_its_handler_source(workdir, mpm):
    """`mod_python create --addhandler .html`: hello.py is a module of the
    handler, not a page."""
    from harness import free_port
    from test_cli import cli, create, get
    site, port = workdir / ("site-" + mpm), free_port()
    create(site, port, "--mpm", mpm, "--addhandler", ".html")
    cli("start", site)
    try:
        response = get(port, "/hello.py")
        assert response.status_code == 403
        assert "def handler" not in response.text
        assert get(port, "/x.html").text == "Hello World!"
        log = (site / "logs" / "error_log").read_text()
        assert "MP01010" in log
    finally:
        cli("stop", site)
