"""The tutorial of the manual (chapter 3), configured as it is printed."""

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
