"""The publisher's protections under attack (issue 19, Doc/publisher.rst
"Security"): auth written in a function body, Apache's access control on
the page file the publisher loads, __access__ trusting only a checked user,
form fields that would collide with a method's instance parameter, and
traversal into instances of classes the page did not define."""

import os

import pytest
import requests

from harness import modules_dir

CONFIG = """
<IfModule !authn_file_module>
    LoadModule authn_file_module %s/mod_authn_file.so
</IfModule>
<VirtualHost *:{port}>
    ServerName pubsec.test
    DocumentRoot {htdocs}/pubsec
    PythonDebug On
    <Directory {htdocs}/pubsec/pub>
        SetHandler mod_python
        PythonHandler mod_python.publisher
        Options -FollowSymLinks
        <Files "internal.py">
            Require all denied
        </Files>
        <Files "guarded.py">
            AuthType Basic
            AuthName "guarded pages"
            AuthBasicProvider file
            AuthUserFile {htdocs}/pubsec/users.htpasswd
            Require valid-user
        </Files>
    </Directory>
    <Directory {htdocs}/pubsec/pub/closed>
        <Files "index.py">
            Require all denied
        </Files>
    </Directory>
    Alias /pub/moved.py {htdocs}/pubsec/outside/secret.py
    <Location "/pub/ops.py">
        Require ip 10.99.99.99
    </Location>
    <Directory {htdocs}/pubsec/authed>
        SetHandler mod_python
        PythonHandler mod_python.publisher
        AuthType Basic
        AuthName "authed"
        Require valid-user
        PythonAuthenHandler authen
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName pubsec-quiet.test
    DocumentRoot {htdocs}/pubsec
    PythonDebug Off
    <Directory {htdocs}/pubsec/pub>
        SetHandler mod_python
        PythonHandler mod_python.publisher
    </Directory>
</VirtualHost>
""" % modules_dir()

HOST = "pubsec.test"
QUIET = "pubsec-quiet.test"
ALICE = ("alice", "wonderland")
MALLORY = ("mallory", "evil")


def get(httpd, path, host=HOST, **kwargs):
    return httpd.get(path, host=host, **kwargs)


# -------------------------------------------- auth written in the body

@pytest.mark.parametrize("path", [
    "/pub/bodyauth.py/" + function for function in (
        "dict_literal", "lambda_auth", "global_dict", "global_function",
        "dotted_global", "annotated", "dict_of_global",
        "nested_with_default", "page/method")] + ["/pub/nfkc.py/page"])
def test_body_auth_forms_are_enforced(httpd, path):
    """Also with __auth__ spelled in fullwidth letters, which Python
    normalises (NFKC) to __auth__, in a page that never names it in
    ASCII."""
    response = get(httpd, path)
    assert response.status_code == 401, response.text
    assert "REACHED" not in response.text
    assert response.headers["WWW-Authenticate"] == 'Basic realm="unknown"'
    assert get(httpd, path, auth=("alice", "wrong")).status_code == 401
    assert get(httpd, path, auth=("nobody", "wonderland")).status_code == 401
    # an unknown user with an empty password is no user
    assert get(httpd, path, auth=("nobody", "")).status_code == 401
    assert get(httpd, path, auth=("", "")).status_code == 401
    response = get(httpd, path, auth=ALICE)
    assert response.status_code == 200, response.text
    assert response.text == "REACHED"


def test_body_access_list_refuses_other_valid_users(httpd):
    path = "/pub/bodyauth.py/access_list"
    assert get(httpd, path).status_code == 401
    assert get(httpd, path, auth=MALLORY).status_code == 403
    assert get(httpd, path, auth=ALICE).text == "REACHED"


def test_callable_instance_with_body_auth_and_access(httpd):
    path = "/pub/bodyauth.py/page"
    assert get(httpd, path).status_code == 401
    assert get(httpd, path, auth=MALLORY).status_code == 403
    assert get(httpd, path, auth=ALICE).text == "REACHED"


def test_realm_is_quoted_and_cannot_inject_headers(httpd):
    response = get(httpd, "/pub/bodyauth.py/quoted_realm")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == \
        'Basic realm="Say \\"hi\\" \\\\ there  X-Injected: 1"'
    assert "X-Injected" not in response.headers


UNAVAILABLE = ["called", "conditional", "twice", "loop_target",
               "declared_global", "local_variable", "undefined_global",
               "parameter", "decorated_nested", "non_literal_default",
               "computed_realm", "unpacked", "walrus", "with_target",
               "imported"]


@pytest.mark.parametrize("function", UNAVAILABLE)
def test_body_auth_that_cannot_be_evaluated_fails_closed(httpd, function):
    offset = httpd.error_log_size()
    for auth in (None, ALICE):
        response = get(httpd, "/pub/badauth.py/" + function, auth=auth)
        assert response.status_code == 500, response.text
        assert "REACHED" not in response.text
    log = httpd.wait_for_log("MP04010: /pub/badauth.py/%s: %s() is not "
                             "served" % (function, function), since=offset)
    assert "the forms the publisher evaluates are" in log
    # nothing of the body ran, not even its right-hand sides
    assert get(httpd, "/pub/badauth.py/evaluated").text == "evaluated 0"


def test_fail_closed_leaks_nothing_without_debug(httpd):
    response = get(httpd, "/pub/badauth.py/called", host=QUIET)
    assert response.status_code == 500
    assert "REACHED" not in response.text
    assert "make_users" not in response.text
    assert "__auth__" not in response.text


def test_closure_in_body_auth_never_passes(httpd):
    """A lambda using a local of the body cannot see it (the body never
    ran): calling it fails, which is a 500, never a pass."""
    path = "/pub/badauth.py/closure_lambda"
    assert get(httpd, path).status_code == 401
    response = get(httpd, path, auth=ALICE)
    assert response.status_code == 500
    assert "REACHED" not in response.text


# ------------------------------------------- __access__ needs a checked user

def test_access_without_auth_does_not_trust_the_header(httpd):
    path = "/pub/bodyauth.py/access_only"
    assert get(httpd, path).status_code == 403
    response = get(httpd, path, auth=("admin", "anything"))
    assert response.status_code == 403
    assert "REACHED" not in response.text


def test_access_function_gets_no_unchecked_user(httpd):
    response = get(httpd, "/pub/bodyauth.py/access_function_only",
                   auth=("admin", "anything"))
    assert response.status_code == 200
    assert response.text == "REACHED for None"


def test_access_trusts_apache_authentication(httpd):
    path = "/authed/page.py/admin_only"
    assert get(httpd, path).status_code == 401
    assert get(httpd, path, auth=("admin", "wrong")).status_code == 401
    response = get(httpd, path, auth=("admin", "secret"))
    assert response.status_code == 200
    assert response.text == "REACHED as admin"
    assert get(httpd, "/authed/page.py/nobody",
               auth=("admin", "secret")).status_code == 403


# ------------------------------ Apache's access control on the page file

@pytest.mark.parametrize("path", [
    "/pub/internal.py/dump", "/pub/internal/dump", "/pub/internal.txt/dump",
    "/pub/internal.PY/dump", "/pub/internal.", "/pub/internal",
    "/pub/internal/", "/pub//internal/dump", "/pub/internal.py/",
    "/pub/./internal/dump", "/pub/sub/../internal/dump",
    "/pub/%69nternal/dump"])
def test_files_section_applies_to_every_url_of_the_page(httpd, path):
    response = get(httpd, path)
    assert response.status_code == 403, (path, response.text)
    assert "INTERNAL" not in response.text


def test_location_section_applies_without_the_extension(httpd):
    offset = httpd.error_log_size()
    for path in ("/pub/ops.py/restart", "/pub/ops/restart",
                 "/pub/ops.html/restart", "/pub/ops./restart"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
        assert "OPS" not in response.text
    log = httpd.wait_for_log("MP04011: /pub/ops/restart: Apache refuses "
                             "/pub/ops.py", since=offset)
    assert "ops.py): 403" in log


def test_apache_authentication_of_the_page_applies_to_every_url(httpd):
    """<Files guarded.py> asks for Basic credentials: every URL served
    from guarded.py answers Apache's 401 with Apache's challenge, and
    only the credentials Apache accepts get through."""
    for path in ("/pub/guarded.py/show", "/pub/guarded/show",
                 "/pub/guarded.txt/show", "/pub/guarded./show"):
        for auth in (None, ("bob", "wrong"), ("alice", "builder")):
            response = get(httpd, path, auth=auth)
            assert response.status_code == 401, (path, auth, response.text)
            assert response.headers.get("WWW-Authenticate") == \
                'Basic realm="guarded pages"', (path, response.headers)
            assert "GUARDED" not in response.text
        response = get(httpd, path, auth=("bob", "builder"))
        assert (response.status_code, response.text) == (200, "GUARDED"), \
            path


def test_files_section_on_index_py_applies_to_every_url_of_it(httpd):
    """closed/index.py is denied: /pub/closed/, /pub/closed/index and
    /pub/closed/anything (no anything.py: looked up in index.py) are all
    served from it, so all are refused."""
    for path in ("/pub/closed/index.py", "/pub/closed/",
                 "/pub/closed/index", "/pub/closed/anything",
                 "/pub/closed/anything.py", "/pub/closed/index.py/anything"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
        assert "CLOSED" not in response.text, path
    response = get(httpd, "/pub/closed", allow_redirects=False)
    assert response.status_code == 301          # mod_dir, to /pub/closed/
    assert response.headers["Location"].endswith("/pub/closed/")
    assert "CLOSED" not in response.text


def test_page_uri_mapped_to_another_file_is_refused(httpd):
    """/pub/moved.py is aliased to outside/secret.py: asking Apache about
    that URI says nothing about pub/moved.py, so /pub/moved/show (served
    from pub/moved.py) is refused rather than guessed."""
    offset = httpd.error_log_size()
    for path in ("/pub/moved/show", "/pub/moved.txt/show"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
        assert "MOVED" not in response.text and "OUTSIDE" not in response.text
    log = httpd.assert_log("MP04012: /pub/moved/show: /pub/moved.py maps "
                           "to", since=offset)
    assert "outside/secret.py, not to " in log


def test_symlink_outside_without_followsymlinks(httpd):
    link = httpd.htdocs / "pubsec" / "pub" / "linked.py"
    if not link.is_symlink():
        link.symlink_to(httpd.htdocs / "pubsec" / "outside" / "secret.py")
    for path in ("/pub/linked.py/show", "/pub/linked/show",
                 "/pub/linked.x/show"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
        assert "OUTSIDE" not in response.text


def test_allowed_pages_still_served_every_way(httpd):
    for path, text in (("/pub/hello.py/say?what=hi", "I am saying hi"),
                       ("/pub/hello/say?what=hi", "I am saying hi"),
                       ("/pub/hello.txt/say?what=hi", "I am saying hi"),
                       ("/pub/", "PUB INDEX"),
                       ("/pub/index", "PUB INDEX"),
                       ("/pub/sub/", "SUB INDEX"),
                       ("/pub/sub/index", "SUB INDEX"),
                       ("/pub/sub/index.py", "SUB INDEX")):
        response = get(httpd, path)
        assert response.status_code == 200, (path, response.text)
        assert response.text == text
    # twice: the URL's route is remembered, the check is not
    for _ in range(2):
        assert get(httpd, "/pub/ops/restart").status_code == 403


# ------------------------------------------ __auth__ that checks nobody

def test_constant_true_auth_lets_in_anyone_with_credentials(httpd):
    response = get(httpd, "/pub/trusting.py/anyone")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="unknown"'
    for auth in (MALLORY, ("x", ""), ALICE):
        response = get(httpd, "/pub/trusting.py/anyone", auth=auth)
        assert (response.status_code, response.text) == (200, "ANYONE")


def test_constant_true_auth_does_not_make_the_user_trusted(httpd):
    """__access__ = ["alice"] after __auth__ = True: whatever the client
    claims, nobody checked it, so the list refuses (403)."""
    assert get(httpd, "/pub/trusting.py/listed").status_code == 401
    offset = httpd.error_log_size()
    for auth in (ALICE, ("alice", "anything")):
        response = get(httpd, "/pub/trusting.py/listed", auth=auth)
        assert response.status_code == 403, response.text
        assert "LISTED" not in response.text
    httpd.assert_log("MP04009: /pub/trusting.py/listed: __access__ "
                     "without a user checked", since=offset)


def test_empty_password_only_where_the_dict_holds_one(httpd):
    path = "/pub/trusting.py/guest_page"
    assert get(httpd, path, auth=("guest", "")).text == "GUEST"
    for auth in (("alice", ""), ("guest", "x"), ("nobody", ""), ("", "")):
        assert get(httpd, path, auth=auth).status_code == 401, auth
    assert get(httpd, path, auth=ALICE).text == "GUEST"


@pytest.mark.parametrize("function, text", [
    ("access_tuple", "TUPLE None"), ("access_set", "SET"),
    ("access_dict", "DICT"), ("access_function", "FUNCTION")])
def test_access_forms_see_the_checked_user(httpd, function, text):
    """__access__ as a tuple, set, dict or function (req, user), after an
    __auth__ dict: alice in, mallory (valid password) 403, nobody 401;
    req.user stays unset (the publisher checked, not Apache)."""
    path = "/pub/trusting.py/" + function
    assert get(httpd, path).status_code == 401
    assert get(httpd, path, auth=MALLORY).status_code == 403
    assert get(httpd, path, auth=("alice", "evil")).status_code == 401
    response = get(httpd, path, auth=ALICE)
    assert (response.status_code, response.text) == (200, text)


def test_function_attribute_wins_over_the_body(httpd):
    path = "/pub/trusting.py/attribute_wins"
    assert get(httpd, path, auth=MALLORY).status_code == 401
    assert get(httpd, path, auth=ALICE).text == "ATTRIBUTE WINS"


def test_remembered_route_is_checked_again_for_each_client(httpd):
    """/pub/guarded/show, once served to bob, is remembered; the next
    request without credentials still gets Apache's 401."""
    with requests.Session() as client:
        client.headers["Host"] = HOST
        url = httpd.url("/pub/guarded/show")
        for _ in range(3):
            response = client.get(url, auth=("bob", "builder"))
            assert response.text == "GUARDED"
            response = client.get(url)
            assert response.status_code == 401
            assert "GUARDED" not in response.text


# ------------------------------------------------------ form fields, traversal

def test_field_named_like_the_instance_parameter_is_dropped(httpd):
    response = get(httpd, "/pub/methods.py/form/show?self=x&a=1&b=2")
    assert response.status_code == 200, response.text
    assert response.text == "fields ['a', 'b']"
    response = httpd.post("/pub/methods.py/form/show", host=HOST,
                          data={"self": "x", "c": "3"})
    assert response.text == "fields ['c']"


def test_no_traversal_into_instances_of_imported_classes(httpd):
    for path in ("/pub/methods.py/log/manager/loggerDict",
                 "/pub/methods.py/log/name", "/pub/methods.py/log/manager"):
        response = get(httpd, path)
        assert response.status_code == 403, (path, response.text)
    # the page's own value is still published
    assert get(httpd, "/pub/methods.py/log").status_code == 200
