"""The tutorial (Doc/tutorial.rst), configured as it is printed; and its
authentication step inside a site made by `mod_python create`."""

import pytest

from harness import free_port
from test_cli import cli, create, get, workdir  # noqa: F401 (fixture)
from test_docs import EXAMPLES

CONFIG = """
<VirtualHost *:{port}>
    ServerName tutorial.test
    DocumentRoot {htdocs}/tutorial/hello
    <Directory {htdocs}/tutorial/hello>
        AddHandler python-program .py
        PythonHandler myscript
        PythonDebug On
    </Directory>
    <Location /sethandler>
        SetHandler mod_python
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName tutorial-spam.test
    DocumentRoot {htdocs}/tutorial/spam
    <Directory {htdocs}/tutorial/spam>
        AddHandler python-program .py
        PythonHandler myscript::spam
        PythonDebug On
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName tutorial-auth.test
    DocumentRoot {htdocs}/tutorial/auth
    <Directory {htdocs}/tutorial/auth>
        AddHandler python-program .py
        PythonHandler myscript
        PythonAuthenHandler myscript
        PythonDebug On
        AuthType Basic
        AuthName "Restricted Area"
        require valid-user
    </Directory>
    <Directory {htdocs}/tutorial/auth/who>
        PythonHandler whoami
    </Directory>
</VirtualHost>
"""

HELLO = "tutorial.test"
SPAM = "tutorial-spam.test"
AUTH = "tutorial-auth.test"


def assert_hello(response):
    assert response.status_code == 200, response.text
    assert response.text == "Hello World!"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_hello_world(httpd):
    assert_hello(httpd.get("/myscript.py", host=HELLO))


def test_url_file_name_does_not_matter(httpd):
    """Any .py URL in the directory runs the same handler, existing or not."""
    assert_hello(httpd.get("/montypython.py", host=HELLO))
    assert_hello(httpd.get("/spam.py", host=HELLO))


def test_addhandler_leaves_other_extensions_static(httpd):
    response = httpd.get("/index.txt", host=HELLO)
    assert response.status_code == 200
    assert response.text == "a static text file\n"


def test_sethandler_mod_python(httpd):
    """SetHandler mod_python sends every URL under it to the handler."""
    assert_hello(httpd.get("/sethandler/anything.txt", host=HELLO))
    assert_hello(httpd.get("/sethandler/", host=HELLO))


def test_named_handler_object(httpd):
    """PythonHandler myscript::spam calls spam() instead of handler()."""
    assert_hello(httpd.get("/myscript.py", host=SPAM))


def test_authentication_without_credentials_asks_for_them(httpd):
    response = httpd.get("/myscript.py", host=AUTH)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == \
        'Basic realm="Restricted Area"', response.headers
    assert "Hello World!" not in response.text


def test_authentication_with_wrong_password(httpd):
    response = httpd.get("/myscript.py", host=AUTH, auth=("spam", "ham"))
    assert response.status_code == 401
    assert "Hello World!" not in response.text


def test_authentication_with_wrong_user(httpd):
    response = httpd.get("/myscript.py", host=AUTH, auth=("eggs", "eggs"))
    assert response.status_code == 401


def test_authentication_with_spam_and_eggs(httpd):
    assert_hello(httpd.get("/myscript.py", host=AUTH, auth=("spam", "eggs")))


def test_authenticated_user_visible_in_content_handler(httpd):
    """auth/who/ inherits the authen handler and has its own PythonHandler."""
    response = httpd.get("/who/page.py", host=AUTH, auth=("spam", "eggs"))
    assert response.status_code == 200, response.text
    assert response.text == "user=spam"
    assert httpd.get("/who/page.py", host=AUTH).status_code == 401


# ------------------------------------- the tutorial inside a created site

AUTH_DIRECTIVES = ("PythonAuthenHandler", "AuthType", "AuthName", "Require")


def tutorial_example(name):
    for example in EXAMPLES:
        if example.path.name == "tutorial.rst" and example.name == name:
            return example
    raise AssertionError("Doc/tutorial.rst has no example %r" % name)


def _created_site_with_tutorial_auth(workdir, mpm, how):  # noqa: F811
    """A `mod_python create` site (its <Directory> says Require all
    granted) given the tutorial's authentication example as the tutorial
    says: `include` appends the printed section after the created one,
    `edit` replaces the created section's Require line by the printed
    section's four authentication lines."""
    example = tutorial_example("auth")
    site, port = workdir / ("site-" + how), free_port()
    htdocs = str(site / "htdocs")
    section = example.config.replace("/mywebdir", htdocs)
    extra = []
    if how == "include":
        include = workdir / "auth.conf"
        include.write_text(section)
        include.chmod(0o644)
        extra = ["--include", include]
    create(site, port, "--mpm", mpm, *extra)
    conf = site / "conf" / "httpd.conf"
    text = conf.read_text()
    assert "Require all granted" in text
    if how == "edit":
        inner = [line.strip() for line in section.splitlines()[1:-1]
                 if line.split()[0] in AUTH_DIRECTIVES]
        assert len(inner) == len(AUTH_DIRECTIVES), section
        created = [line for line in text.splitlines()
                   if line.strip() == "Require all granted"]
        assert len(created) == 1, text
        text = text.replace(created[0], "\n".join(
            "    " + line for line in inner))
        conf.write_text(text)
    for name, code in example.files.items():
        (site / "htdocs" / name).write_text(code)
        (site / "htdocs" / name).chmod(0o644)
    return site, port


@pytest.mark.parametrize("how", ["include", "edit"])
@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_tutorial_auth_in_a_created_site_asks_for_a_password(
        workdir, mpm, how):  # noqa: F811
    """Issue 18 item 1: the created section's `Require all granted` must
    not let the tutorial's protected page out without credentials."""
    site, port = _created_site_with_tutorial_auth(workdir, mpm, how)
    cli("start", site)
    try:
        response = get(port, "/myscript.py")
        assert response.status_code == 401, response.text
        assert "Hello World!" not in response.text
        assert response.headers.get("WWW-Authenticate") == \
            'Basic realm="Restricted Area"'
        assert get(port, "/myscript.py",
                   auth=("spam", "wrong")).status_code == 401
        response = get(port, "/myscript.py", auth=("spam", "eggs"))
        assert (response.status_code, response.text) == (200, "Hello World!")
    finally:
        cli("stop", site)


def test_require_lines_beside_each_other_mean_any_of_them(workdir):  # noqa
    """What the tutorial's warning says happens when `Require valid-user`
    is added beside `Require all granted` instead of replacing it: Apache
    serves the page without asking (this is why the warning exists)."""
    example = tutorial_example("auth")
    site, port = workdir / "site-beside", free_port()
    create(site, port)
    conf = site / "conf" / "httpd.conf"
    inner = [line.strip() for line in example.config.splitlines()[1:-1]
             if line.split()[0] in AUTH_DIRECTIVES]
    conf.write_text(conf.read_text().replace(
        "    Require all granted",
        "    Require all granted\n" + "\n".join("    " + line
                                               for line in inner), 1))
    for name, code in example.files.items():
        (site / "htdocs" / name).write_text(code)
        (site / "htdocs" / name).chmod(0o644)
    cli("start", site)
    try:
        response = get(port, "/myscript.py")
        assert (response.status_code, response.text) == (200, "Hello World!")
    finally:
        cli("stop", site)
