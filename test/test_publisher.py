"""mod_python.publisher (manual sections 3.1 and 6.1)."""

import json
import os
import time
import uuid

import pytest
import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName publisher.test
    DocumentRoot {htdocs}/publisher
    <Directory {htdocs}/publisher>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
        PythonDebug On
    </Directory>
    # as in manual section 6.1
    <Directory {htdocs}/publisher/sethandler>
        SetHandler python-program
        PythonHandler mod_python.publisher
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName publisher-quiet.test
    DocumentRoot {htdocs}/publisher
    <Directory {htdocs}/publisher>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
        PythonDebug Off
    </Directory>
</VirtualHost>

# The tutorial of section 3.1, configured as printed.
<VirtualHost *:{port}>
    ServerName publisher-tutorial.test
    DocumentRoot {htdocs}/publisher/tutorial
    <Directory {htdocs}/publisher/tutorial>
        AddHandler python-program .py
        PythonHandler mod_python.publisher
        PythonDebug On
        PythonInterpreter publisher_tutorial
    </Directory>
</VirtualHost>
"""

HOST = "publisher.test"
QUIET = "publisher-quiet.test"
TUTORIAL = "publisher-tutorial.test"


def get(httpd, path, **kwargs):
    return httpd.get(path, host=kwargs.pop("host", HOST), **kwargs)


def assert_text(response, text, ctype="text/plain; charset=utf-8"):
    assert response.status_code == 200, response.text
    assert response.text == text
    assert response.headers["Content-Type"] == ctype


# ------------------------------------------------- the manual's examples

def test_hello_say_default(httpd):
    assert_text(get(httpd, "/hello.py/say"), "I am saying NOTHING")


def test_hello_say_what(httpd):
    assert_text(get(httpd, "/hello.py/say?what=hello"), "I am saying hello")


def test_hello_say_post(httpd):
    response = httpd.post("/hello.py/say", host=HOST, data={"what": "hi"})
    assert_text(response, "I am saying hi")


def test_tutorial_form_page(httpd):
    response = httpd.get("/form.html", host=TUTORIAL)
    assert response.status_code == 200
    assert 'action="form.py/email"' in response.text


def test_tutorial_form_sends_the_mail(httpd):
    token = uuid.uuid4().hex
    response = httpd.post("/form.py/email", host=TUTORIAL, data={
        "name": "Spam Eggs", "email": "spam@example.test",
        "comment": "Great site " + token})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Dear Spam Eggs," in response.text
    assert "Thank You for your kind comments" in response.text
    mailbox = httpd.wait_for_var("mailbox", lambda text: token in text)
    mails = [json.loads(line) for line in mailbox.splitlines()]
    mail = [m for m in mails if token in m["msg"]][0]
    assert mail["from"] == "spam@example.test"
    assert mail["to"] == ["webmaster"]
    assert mail["host"] == "localhost"
    assert "From: spam@example.test\nSubject: feedback\nTo: webmaster" \
        in mail["msg"]
    assert "Great site %s\n\nThank You,\n\nSpam Eggs" % token in mail["msg"]


def test_tutorial_form_missing_parameter(httpd):
    response = httpd.post("/form.py/email", host=TUTORIAL, data={
        "name": "Spam", "email": "spam@example.test", "comment": ""})
    assert response.status_code == 200, response.text
    assert response.text.startswith("A required parameter is missing")


# --------------------------------------------------------- traversal

def test_default_object_is_index(httpd):
    assert_text(get(httpd, "/pages.py"), "index of pages.py")


def test_module_without_index_is_404(httpd):
    assert get(httpd, "/hello.py").status_code == 404


def test_missing_object_is_404(httpd):
    assert get(httpd, "/hello.py/shout").status_code == 404


def test_trailing_slash(httpd):
    assert_text(get(httpd, "/hello.py/say/"), "I am saying NOTHING")


def test_directory_uses_index_module(httpd):
    assert_text(get(httpd, "/sethandler/"), "sethandler index")


def test_unknown_name_looks_in_index_module(httpd):
    assert_text(get(httpd, "/sethandler/hello?who=you"),
                "hello you from index")


def test_module_name_without_extension(httpd):
    assert_text(get(httpd, "/sethandler/named"), "named index")
    assert_text(get(httpd, "/sethandler/named/page"), "named page")
    assert_text(get(httpd, "/sethandler/named.py/page"), "named page")


def test_traverse_instances(httpd):
    assert_text(get(httpd, "/index.py/section/page?n=3"), "section page 3")
    assert_text(get(httpd, "/pages.py/counter/show?n=5"), "counter 5")
    assert_text(get(httpd, "/pages.py/counter/inner/show"), "counter 0")
    assert_text(get(httpd, "/pages.py/counter.show"), "counter 0")
    assert_text(get(httpd, "/pages.py/counter"), "counter called")


def test_non_callables_published_as_str(httpd):
    assert_text(get(httpd, "/pages.py/greeting"), "a published string")
    assert_text(get(httpd, "/pages.py/answer"), "42")
    assert_text(get(httpd, "/pages.py/config"), "{'debug': False}")
    assert_text(get(httpd, "/pages.py/counter/label"), "counter label")


def test_only_get_post_head(httpd):
    response = httpd.request("PUT", "/hello.py/say", host=HOST, data="x")
    assert response.status_code == 405
    assert {"GET", "POST", "HEAD"} <= {
        m.strip() for m in response.headers["Allow"].split(",")}
    head = httpd.request("HEAD", "/hello.py/say", host=HOST)
    assert head.status_code == 200 and head.text == ""


def test_page_named_like_a_library_module_does_not_shadow_it(httpd):
    assert_text(get(httpd, "/sub/string.py"),
                "page string.py; library has ascii_letters: True")


def test_autoreload_picks_up_changes(httpd):
    assert_text(get(httpd, "/reload_me.py/version"), "version 1")
    path = httpd.htdocs / "publisher" / "reload_me.py"
    try:
        path.write_text('def version():\n    return "version 2"\n')
        later = time.time() + 5
        os.utime(path, (later, later))
        for _ in range(12):      # every prefork child must see it
            assert_text(get(httpd, "/reload_me.py/version"), "version 2")
    finally:
        path.write_text('def version():\n    return "version 1"\n')
        os.utime(path, (later + 5, later + 5))


# ------------------------------------------------ remembered checks
# The publisher remembers, per URL, the function its checks chose; the
# next request only confirms nothing they looked at changed.  A keep-alive
# session stays with one child, whose interpreter the pages change.

def session_get(httpd, session, path, **kwargs):
    return session.get(httpd.url(path), headers={"Host": HOST}, **kwargs)


def test_remembered_url_sees_a_new_function_attribute_auth(httpd):
    with requests.Session() as session:
        for _ in range(3):
            assert_text(session_get(httpd, session, "/runtime.py/attr"),
                        "attr open")
        assert_text(session_get(httpd, session, "/runtime.py/lock_attr"),
                    "locked")
        assert session_get(httpd, session,
                           "/runtime.py/attr").status_code == 401
        assert_text(session_get(httpd, session, "/runtime.py/attr",
                                auth=("spam", "eggs")), "attr open")


def test_remembered_url_sees_new_code_with_a_nested_auth(httpd):
    with requests.Session() as session:
        for _ in range(3):
            assert_text(session_get(httpd, session, "/runtime.py/body"),
                        "body open")
        assert_text(session_get(httpd, session, "/runtime.py/lock_body"),
                    "locked")
        assert session_get(httpd, session,
                           "/runtime.py/body").status_code == 401
        assert_text(session_get(httpd, session, "/runtime.py/body",
                                auth=("spam", "eggs")), "body locked")


def test_remembered_url_sees_a_rebound_name(httpd):
    with requests.Session() as session:
        for _ in range(3):
            assert_text(session_get(httpd, session, "/runtime.py/swapped"),
                        "first")
        assert_text(session_get(httpd, session, "/runtime.py/swap"),
                    "swapped")
        assert_text(session_get(httpd, session, "/runtime.py/swapped"),
                    "second")


def test_remembered_url_sees_a_new_module_access(httpd):
    with requests.Session() as session:
        for _ in range(3):
            assert_text(session_get(httpd, session, "/runtime_module.py/page"),
                        "module open")
        assert_text(session_get(httpd, session, "/runtime_module.py/lock"),
                    "locked")
        assert session_get(httpd, session,
                           "/runtime_module.py/page").status_code == 403


def test_fallback_to_index_is_looked_up_again(httpd):
    """/later.py is later() in index.py while later.py does not exist, and
    later.py as soon as it does (AutoReload on)."""
    path = httpd.htdocs / "publisher" / "later.py"
    with requests.Session() as session:
        for _ in range(3):
            assert_text(session_get(httpd, session, "/later.py"),
                        "later in index.py")
        try:
            path.write_text('def index(req):\n    return "later.py"\n')
            os.chmod(path, 0o644)
            assert_text(session_get(httpd, session, "/later.py"), "later.py")
        finally:
            path.unlink()


# ---------------------------------------------------- argument matching

def test_only_accepted_arguments_are_passed(httpd):
    response = get(httpd, "/pages.py/echo?a=1&b=2&c=3&zz=dropped")
    assert response.status_code == 200, response.text
    assert response.json() == {"a": "1", "b": "2", "c": "3",
                               "a_type": "StringField"}


def test_defaults_apply(httpd):
    assert get(httpd, "/pages.py/echo?a=x").json() == {
        "a": "x", "b": "default", "c": "kw", "a_type": "StringField"}


def test_missing_required_argument_is_400(httpd):
    response = get(httpd, "/pages.py/echo?b=2")
    assert response.status_code == 400
    assert "missing a required argument: &#x27;a&#x27;" in response.text


def test_kwargs_gets_the_rest(httpd):
    assert get(httpd, "/pages.py/echo_kwargs?a=1&x=2&y=3").json() == {
        "a": "1", "rest": ["x", "y"]}


def test_req_only_when_asked_for(httpd):
    assert_text(get(httpd, "/pages.py/no_req?x=5"), "no req: 5")
    assert_text(get(httpd, "/pages.py/no_req?req=5"), "no req: none")
    assert_text(get(httpd, "/pages.py/wants_req?k=1&req=x"),
                "req is mp_request, form keys ['k', 'req']")


def test_repeated_field_is_a_list(httpd):
    assert get(httpd, "/pages.py/many?tag=a&tag=b").json() == ["a", "b"]
    assert get(httpd, "/pages.py/many?tag=a").json() == ["a"]


def test_blank_values_are_kept(httpd):
    assert get(httpd, "/pages.py/echo?a=&b=").json()["b"] == ""


def test_upload_passed_as_field(httpd):
    response = httpd.post("/pages.py/upload", host=HOST,
                          data={"note": "n"},
                          files={"file": ("notes.txt", b"file content")})
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "notes.txt",
                               "content": "file content", "note": "n"}


def test_exception_in_page_is_500(httpd):
    response = get(httpd, "/pages.py/raises")
    assert response.status_code == 500
    assert "boom in page" in response.text        # PythonDebug On
    quiet = get(httpd, "/pages.py/raises", host=QUIET)
    assert quiet.status_code == 500
    assert "boom" not in quiet.text


# --------------------------------------------------------- content type

def test_html_is_detected(httpd):
    assert_text(get(httpd, "/pages.py/html_page"),
                "  \n<HTML><body>hi</body></HTML>", "text/html; charset=utf-8")
    assert_text(get(httpd, "/pages.py/doctype_page"),
                "<!DOCTYPE html>\n<title>x</title>",
                "text/html; charset=utf-8")


def test_html_later_in_the_text_is_plain(httpd):
    assert_text(get(httpd, "/pages.py/not_html_start"), "text before <html>")


def test_bytes_are_sent_as_they_are(httpd):
    response = get(httpd, "/pages.py/as_bytes")
    assert response.status_code == 200
    assert response.content == b"<html>\xff raw bytes"
    assert response.headers["Content-Type"] == "text/html"


def test_str_is_utf8(httpd):
    response = get(httpd, "/pages.py/unicode_text")
    assert response.content == "été ✓".encode()
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_content_type_set_by_the_page_is_kept(httpd):
    response = get(httpd, "/pages.py/own_content_type")
    assert response.headers["Content-Type"] == \
        "application/x-custom; charset=latin-1"
    assert response.content == b"caf\xe9"


def test_none_sends_nothing_more(httpd):
    response = get(httpd, "/pages.py/nothing")
    assert response.status_code == 200
    assert response.text == "written directly"


def test_number_result(httpd):
    assert_text(get(httpd, "/pages.py/number"), "42")


# ------------------------------------------------------------- security

@pytest.mark.parametrize("path", [
    "/security.py/_private", "/security.py/_secret",
    "/pages.py/counter/_hidden", "/security.py/__dict__",
    "/security.py/index/__globals__", "/pages.py/echo/__code__",
    "/security.py/__builtins__", "/pages.py/counter/show/__func__",
])
def test_underscore_names_are_404(httpd, path):
    assert get(httpd, path).status_code == 404


@pytest.mark.parametrize("path", [
    "/security.py/os", "/security.py/os/system", "/security.py/osp/join",
    "/security.py/holder/module", "/security.py/holder/module/getcwd",
])
def test_modules_are_404(httpd, path):
    assert get(httpd, path).status_code == 404


@pytest.mark.parametrize("path", [
    "/security.py/getpid", "/security.py/system",
    "/security.py/holder/builtin", "/security.py/ordered/clear",
    "/security.py/text/upper", "/security.py/remove",
])
def test_builtins_are_not_published(httpd, path):
    assert get(httpd, path).status_code == 403


@pytest.mark.parametrize("path", [
    "/security.py/Klass", "/security.py/Klass/method",
    "/security.py/Holder/ok", "/pages.py/Counter",
    "/security.py/function_with_attribute/attribute",
    "/pages.py/counter/show/im_func",
])
def test_classes_and_their_internals_are_403(httpd, path):
    assert get(httpd, path).status_code == 403


@pytest.mark.parametrize("path", [
    "/security.py/join", "/security.py/holder/imported_function",
])
def test_functions_from_imported_modules_are_403(httpd, path):
    assert get(httpd, path).status_code == 403


def test_allowed_objects_next_to_forbidden_ones(httpd):
    assert_text(get(httpd, "/security.py/holder/ok"), "holder ok")
    assert_text(get(httpd, "/security.py"), "security index")


def test_refusals_leak_nothing(httpd):
    for path in ("/security.py/_secret", "/security.py/Klass",
                 "/security.py/os/system"):
        response = get(httpd, path, host=QUIET)
        assert response.status_code in (403, 404)
        for word in ("Klass", "secret", "private value", "system",
                     "Traceback"):
            assert word not in response.text


@pytest.mark.parametrize("path, status, line", [
    ("/sub/nothing.py", 404, "MP04001: /sub/nothing.py: no module "),
    ("/security.py/_secret", 404, "MP04002: /security.py/_secret: "
                                  "'_secret' is hidden"),
    ("/security.py/Klass/method", 403, "MP04003: /security.py/Klass/method: "
                                       "cannot look into "),
    ("/hello.py/shout", 404, "MP04004: /hello.py/shout: no object 'shout'"),
    ("/security.py/os", 404, "MP04005: /security.py/os: 'os' is a module"),
    ("/security.py/join", 403, "MP04006: /security.py/join: "),
    ("/auth_dict.py/hello", 401, "MP04008: /auth_dict.py/hello: "
                                 "authentication required"),
    ("/pages.py/echo?b=2", 400, "MP04013: /pages.py/echo: missing a "
                                "required argument: 'a'"),
])
def test_each_refusal_logs_its_numbered_reason(httpd, path, status, line):
    """Doc/troubleshooting.rst lists why the publisher refused, by
    number, at info level."""
    offset = httpd.error_log_size()
    assert get(httpd, path).status_code == status
    httpd.assert_log(line, since=offset)


def test_malformed_credentials_log_mp04007(httpd):
    offset = httpd.error_log_size()
    get(httpd, "/auth_dict.py/hello",
        headers={"Authorization": "Basic !!!not-base64"})
    httpd.assert_log("MP04007: /auth_dict.py/hello: malformed Basic "
                     "credentials", since=offset)


def test_loading_a_page_is_a_notice_with_debug(httpd):
    """MP04014 (PythonDebug On): a page file loaded, then reloaded after
    it changed."""
    name = "fresh_%s.py" % uuid.uuid4().hex
    page = httpd.htdocs / "publisher" / name
    page.write_text("def index(req):\n    return 'one'\n")
    try:
        with requests.Session() as client:      # one connection, one child
            client.headers["Host"] = HOST
            offset = httpd.error_log_size()
            assert_text(client.get(httpd.url("/" + name)), "one")
            httpd.assert_log("MP04014: loaded %s" % page, since=offset)
            page.write_text("def index(req):\n    return 'two!'\n")
            os.utime(page, (time.time() + 5, time.time() + 5))
            offset = httpd.error_log_size()
            assert_text(client.get(httpd.url("/" + name)), "two!")
            httpd.assert_log("MP04014: reloaded %s" % page, since=offset)
    finally:
        page.unlink()


def test_empty_path_element_is_404(httpd):
    assert get(httpd, "/pages.py/counter..show").status_code == 404


# ------------------------------------------------------- authentication

EGGS = ("eggs", "spam")
JOE = ("joe", "eoj")


@pytest.mark.parametrize("module", ["auth_func", "auth_dict"])
def test_manual_auth_examples(httpd, module):
    path = "/%s.py/hello" % module
    response = get(httpd, path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Members only"'
    assert get(httpd, path, auth=("eggs", "wrong")).status_code == 401
    assert get(httpd, path, auth=("nobody", "spam")).status_code == 401
    assert get(httpd, path, auth=JOE).status_code == 403
    assert_text(get(httpd, path, auth=EGGS), "hello")


def test_auth_constant_false(httpd):
    assert get(httpd, "/auth_const.py/hello").status_code == 401
    assert get(httpd, "/auth_const.py/hello", auth=EGGS).status_code == 401


def test_access_constant_false(httpd):
    assert get(httpd, "/access_const.py/hello", auth=EGGS).status_code == 403


def test_nested_auth_definitions(httpd):
    assert_text(get(httpd, "/nested.py/open_page"), "open to all")
    response = get(httpd, "/nested.py/nested_defs")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Nested realm"'
    assert get(httpd, "/nested.py/nested_defs", auth=JOE).status_code == 401
    assert_text(get(httpd, "/nested.py/nested_defs", auth=EGGS),
                "nested defs passed")


def test_nested_constants(httpd):
    assert get(httpd, "/nested.py/nested_constant",
               auth=EGGS).status_code == 401
    assert get(httpd, "/nested.py/nested_access_constant",
               auth=EGGS).status_code == 403


def test_function_attributes(httpd):
    response = get(httpd, "/nested.py/with_attributes")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == \
        'Basic realm="Attribute realm"'
    assert get(httpd, "/nested.py/with_attributes",
               auth=EGGS).status_code == 403
    assert_text(get(httpd, "/nested.py/with_attributes", auth=JOE),
                "attributes passed")


def test_auth_on_a_traversed_object(httpd):
    response = get(httpd, "/nested.py/protected/page")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Object realm"'
    assert_text(get(httpd, "/nested.py/protected/page", auth=EGGS),
                "object page")


def test_malformed_credentials_are_400(httpd):
    response = get(httpd, "/auth_dict.py/hello",
                   headers={"Authorization": "Basic !!!not-base64"})
    assert response.status_code == 400
