"""mod_python.psp: Python Server Pages served by PythonHandler
mod_python.psp, and psp.PSP templates used from handlers and the
publisher (Doc/psp.rst; mod_python 3.5's handlers.rst "PSP Handler" and
pythonapi.rst "psp")."""

import os
import time

import pytest
import requests

from harness import modules_dir

CONFIG = """
<IfModule !authn_file_module>
    LoadModule authn_file_module %s/mod_authn_file.so
</IfModule>
<VirtualHost *:{port}>
    ServerName psp.test
    DocumentRoot {htdocs}/psp
    <Directory {htdocs}/psp>
        AddHandler mod_python .psp .psp_
        PythonHandler mod_python.psp
        PythonDebug On
    </Directory>
    <Directory {htdocs}/psp/pub>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
        PythonDebug On
    </Directory>
    <Directory {htdocs}/psp/plain>
        SetHandler mod_python
        PythonHandler templates
        PythonDebug On
    </Directory>
    <Directory {htdocs}/psp/small>
        PythonOption mod_python.psp.cache_size 3
        PythonInterpreter psp_small_cache
    </Directory>
    <Directory {htdocs}/psp/badcache>
        PythonOption mod_python.psp.cache_size many
        PythonInterpreter psp_bad_cache
    </Directory>
    <Directory {htdocs}/psp/dbm>
        PythonOption mod_python.psp.cache_database_filename {var}/psp.dbm
        PythonOption PSPDbmCache {var}/psp35.dbm
    </Directory>
    <Directory {htdocs}/psp/frozen>
        PythonAutoReload Off
        PythonInterpreter psp_frozen
    </Directory>
    PythonOption mod_python.session.database_directory {var}
    <Files "denied.psp">
        Require all denied
    </Files>
    <Location "/located.psp">
        Require all denied
    </Location>
    <Files "guarded.psp">
        AuthType Basic
        AuthName "psp pages"
        AuthBasicProvider file
        AuthUserFile {htdocs}/psp/users.htpasswd
        Require valid-user
    </Files>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName psp-quiet.test
    DocumentRoot {htdocs}/psp
    <Directory {htdocs}/psp>
        AddHandler mod_python .psp .psp_
        PythonHandler mod_python.psp
        PythonDebug Off
    </Directory>
</VirtualHost>

# as in mod_python 3.5's test suite: SetHandler for a whole directory
<VirtualHost *:{port}>
    ServerName psp-sethandler.test
    DocumentRoot {htdocs}/psp
    <Directory {htdocs}/psp>
        SetHandler mod_python
        PythonHandler mod_python.psp
        PythonDebug On
    </Directory>
</VirtualHost>
""" % modules_dir()

HOST = "psp.test"
QUIET = "psp-quiet.test"
SETHANDLER = "psp-sethandler.test"

def get(httpd, path, host=HOST, **kwargs):
    return httpd.get(path, host=host, **kwargs)


def ok(httpd, path, **kwargs):
    response = get(httpd, path, **kwargs)
    assert response.status_code == 200, response.text
    return response.text


def failed(httpd, path, expect_log, status=500, host=HOST):
    """Request path, expect status and a log line containing expect_log;
    returns the log written since the request."""
    offset = httpd.error_log_size()
    response = get(httpd, path, host=host)
    assert response.status_code == status, response.text
    log = httpd.wait_for_log(expect_log, since=offset)
    assert expect_log in log
    return log


# ------------------------------------------------------------- constructs

def test_page_is_html(httpd):
    response = get(httpd, "/hello.psp")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == ("<html>\n\nHello world, the year is: 20..\n"
                             "</html>\n")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "PROPFIND"])
def test_a_page_runs_for_every_method_and_can_refuse_them(httpd, method):
    """Doc/psp.rst: pages run whatever the method (hello.psp answers a
    PUT), and a page that refuses other methods gets its 405 with Allow."""
    response = httpd.request(method, "/hello.psp", HOST)
    assert response.status_code == 200
    assert "Hello world" in response.text
    response = httpd.request(method, "/method.psp", HOST)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) \
        >= {"GET", "POST", "HEAD"}
    assert get(httpd, "/method.psp").text.strip() == "method GET"


def test_code_suite_and_expression(httpd):
    # mod_python 3.5's test_psphandler page
    assert ok(httpd, "/suite.psp").endswith("test ok\n")
    assert ok(httpd, "/suite.psp", host=SETHANDLER).endswith("test ok\n")


def test_text_is_literal(httpd):
    # 3.5's test_psp_parser: backslashes and quotes in the text are text
    assert ok(httpd, "/escapes.psp") == (
        "backslash-n:\\n tab:\\t cr:\\r quotes:' \" ''' \"\"\" end\\\n"
        "\n'single' \"SINGLE\"\n")


def test_last_line_indentation_persists(httpd):
    assert ok(httpd, "/persist.psp") == (
        "<ul>\n" + "\n<li>0</li>\n\n<li>1</li>\n\n<li>2</li>\n" + "\n</ul>\n")


def test_colon_opens_a_suite_and_empty_block_closes_it(httpd):
    assert ok(httpd, "/colon.psp") == ok(httpd, "/persist.psp")


def test_nested_suites(httpd):
    assert ok(httpd, "/nested.psp") == "(0,0)(0,1)|(1,0)(1,1)|\nend\n"


def test_one_line_blocks(httpd):
    # <% for ...: %> opens a suite, <% %> closes it; a one-line simple
    # statement ends the suite for the text after it (3.5's rule)
    assert ok(httpd, "/oneline.psp") == "012.\naab1\n"


def test_percent_gt_inside_python_strings(httpd):
    assert ok(httpd, "/strings.psp") == "%>|%>|a %> b|1\n"


def test_comment_is_left_out(httpd):
    assert ok(httpd, "/comment.psp") == "ab\n"


def test_nested_includes_relative_to_the_including_page(httpd):
    assert ok(httpd, "/include.psp") == (
        "top\npart inner42\n\n\n[0]\n[1]\n\nbottom\n")


def test_globals_of_a_page(httpd):
    assert ok(httpd, "/names.psp") == "/names.psp PSPInterface 0\n"


# ----------------------------------------------------------------- errors

def test_pages_get_four_modules_not_the_psp_module_globals(httpd):
    """apache, util, os and sys without importing them; none of the psp
    module's own globals (3.5 gave pages those)."""
    assert ok(httpd, "/modules.psp") == \
        "mod_python.apache mod_python.util os sys []\n"


def test_include_cycle_is_an_error(httpd):
    log = failed(httpd, "/cycle.psp", "MP06001")
    assert "include cycle" in log
    assert "cycle_b.psp:2:" in log


def test_missing_include_names_page_and_line(httpd):
    log = failed(httpd, "/missing.psp", "MP06001")
    assert "missing.psp:3: include file not found: inc/no_such_file.psp" \
        in log


def test_syntax_error_names_page_and_line(httpd, ):
    log = failed(httpd, "/badsyntax.psp", "MP06001")
    assert "badsyntax.psp:4: invalid Python code" in log


def test_unterminated_expression(httpd):
    log = failed(httpd, "/unterminated.psp", "MP06001")
    assert "unterminated.psp:2: unterminated <%= expression" in log


def test_runtime_error_names_page_line(httpd):
    log = failed(httpd, "/raises.psp", "MP06002")
    assert "raises.psp line 4" in log
    assert "ZeroDivisionError" in log


def test_errors_show_nothing_without_debug(httpd):
    """PythonDebug Off: a page that raises, or does not compile, is a
    bare 500; the log still has it."""
    for path, number in (("/raises.psp", "MP06002"),
                         ("/badsyntax.psp", "MP06001")):
        offset = httpd.error_log_size()
        response = get(httpd, path, host=QUIET)
        assert response.status_code == 500
        for secret in ("Traceback", "ZeroDivisionError", "x / 0",
                       "invalid Python code", "range(3)", ".psp"):
            assert secret not in response.text, (path, secret)
        httpd.assert_log(number, since=offset)


def test_page_may_set_its_content_type(httpd):
    response = get(httpd, "/plaintype.psp")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "plain 1\n"


def test_invalid_cache_size_is_ignored_with_a_warning(httpd):
    offset = httpd.error_log_size()
    assert ok(httpd, "/badcache/page.psp") == "cache size 42\n"
    log = httpd.wait_for_log("MP06004", since=offset)
    assert "ignoring mod_python.psp.cache_size 'many' (not a positive " \
        "integer)" in log


def test_missing_page_is_404(httpd):
    assert get(httpd, "/no_such_page.psp").status_code == 404


def test_error_page(httpd):
    # 3.5's test_psp_error without its session: output so far is kept
    assert ok(httpd, "/errmain.psp").split() == [
        "okay", "fail", "ValueError:", "broken"]


def test_absolute_error_page_is_under_the_document_root(httpd):
    assert ok(httpd, "/deep/errabs.psp").split() == [
        "okay", "fail", "ValueError:", "from", "deep"]


def test_error_page_is_not_run_for_a_redirect(httpd):
    response = get(httpd, "/redirect_error_page.psp")
    assert response.status_code == 302
    assert "fail" not in response.text


# ------------------------------------------------------- psp, form, session

def test_redirect(httpd):
    response = get(httpd, "/redirect.psp")
    assert response.status_code == 302
    assert response.headers["Location"] == "/hello.psp"
    response = get(httpd, "/redirect_permanent.psp")
    assert response.status_code == 301


def test_form_and_apply_data(httpd):
    assert ok(httpd, "/form.psp?name=ann&a=1&b=5") == "name=ann sum=6\n"
    assert ok(httpd, "/form.psp?a=40") == "name=none sum=42\n"


def test_form_is_made_only_when_used(httpd):
    assert ok(httpd, "/noform.psp") == "req.form set: False\n"


def test_session_page(httpd):
    session = requests.Session()
    url = httpd.url("/session.psp")
    first = session.get(url, headers={"Host": HOST})
    second = session.get(url, headers={"Host": HOST})
    assert first.text.strip() == "hits=1"
    assert second.text.strip() == "hits=2"


def test_error_page_with_session(httpd):
    # 3.5's test_psp_error: the error page sees the page's session
    assert ok(httpd, "/errsession.psp").split() == ["okay", "fail", "1"]


# ---------------------------------------------------------- templates

def test_template_from_plain_handler(httpd):
    assert ok(httpd, "/plain/page") == "<h1>Hello, world!</h1>\n"


def test_template_from_string_with_vars(httpd):
    assert ok(httpd, "/plain/string") == "1+3"


def test_missing_template_file_is_404(httpd):
    assert get(httpd, "/plain/missing").status_code == 404


def test_display_code_from_handler(httpd):
    text = ok(httpd, "/plain/code")
    assert "((what),)" in text
    assert "&lt;h1&gt;Hello," in text


def test_template_from_publisher(httpd):
    assert ok(httpd, "/pub/page.py?who=bob") == "<p>Hi, bob</p>\n"


# -------------------------------------------------------- the .psp_ view

def test_source_view_with_debug(httpd):
    text = ok(httpd, "/hello.psp_")
    assert "Python code generated by PSP" in text
    assert "import&nbsp;time" in text
    assert "&lt;html&gt;" in text


def test_source_view_is_404_without_debug(httpd):
    assert get(httpd, "/hello.psp_", host=QUIET).status_code == 404
    assert get(httpd, "/hello.psp", host=QUIET).status_code == 200


def test_source_view_of_a_denied_page_is_404(httpd):
    assert get(httpd, "/denied.psp").status_code == 403
    offset = httpd.error_log_size()
    response = get(httpd, "/denied.psp_")
    assert response.status_code == 404
    assert "denied page" not in response.text
    httpd.assert_log("MP06005", since=offset)


def test_source_view_of_a_page_a_location_denies_is_404(httpd):
    assert get(httpd, "/located.psp").status_code == 403
    offset = httpd.error_log_size()
    response = get(httpd, "/located.psp_")
    assert response.status_code == 404
    assert "Location denies" not in response.text
    httpd.assert_log("MP06005", since=offset)


def test_source_view_of_a_page_behind_authentication(httpd):
    """Without the credentials Apache asks for the page, its view is a
    404 (no challenge: the view is not a way to probe passwords); with
    them, Apache would serve the page, and the view shows its code."""
    assert get(httpd, "/guarded.psp").status_code == 401
    for auth in (None, ("bob", "wrong")):
        response = get(httpd, "/guarded.psp_", auth=auth)
        assert response.status_code == 404, auth
        assert "behind a password" not in response.text
        assert "WWW-Authenticate" not in response.headers
    response = get(httpd, "/guarded.psp_", auth=("bob", "builder"))
    assert response.status_code == 200
    assert "behind&nbsp;a&nbsp;password" in response.text


def test_source_view_only_of_existing_page(httpd):
    assert get(httpd, "/nothing.psp_").status_code == 404
    # the view never shows files outside the document root
    assert get(httpd, "/../psp/hello.psp_").status_code in (400, 404)


# ---------------------------------------------------------- encodings

def write_page(httpd, name, data):
    directory = httpd.htdocs / "psp" / "gen"
    directory.mkdir(exist_ok=True)
    os.chmod(directory, 0o755)
    path = directory / name
    path.write_bytes(data)
    os.chmod(path, 0o644)
    return path


def test_crlf_page_behaves_like_lf_page(httpd):
    lf = b"<%\nfor i in range(2):\n%>\nrow <%= i %>\n<%\n%>\ndone\n"
    write_page(httpd, "lf.psp", lf)
    write_page(httpd, "crlf.psp", lf.replace(b"\n", b"\r\n"))
    assert ok(httpd, "/gen/crlf.psp") == ok(httpd, "/gen/lf.psp") \
        == "\nrow 0\n\nrow 1\n\ndone\n"


def test_utf8_bom_and_declared_encoding(httpd):
    write_page(httpd, "bom.psp", "\ufeffcaf\u00e9 <%= 'ok' %>\n".encode())
    write_page(httpd, "latin1.psp", b'<%@ page encoding="latin-1" %>'
               b"caf\xe9 <%= len('\xe9') %>\n")
    assert get(httpd, "/gen/bom.psp").content == "caf\u00e9 ok\n".encode()
    assert get(httpd, "/gen/latin1.psp").content == \
        "caf\u00e9 1\n".encode()


def test_invalid_utf8_names_the_line(httpd):
    write_page(httpd, "invalid.psp", b"ok\nline two \xff\n")
    log = failed(httpd, "/gen/invalid.psp", "MP06001")
    assert "invalid.psp:2: not valid utf-8" in log


# ------------------------------------------------------------ the cache

def test_edited_include_is_picked_up(httpd):
    write_page(httpd, "edit.psp", b'[<%@ include file="edit_inc.psp" %>]')
    include = write_page(httpd, "edit_inc.psp", b"one")
    session = requests.Session()
    url = httpd.url("/gen/edit.psp")
    assert session.get(url, headers={"Host": HOST}).text == "[one]"
    include.write_bytes(b"two, longer")
    later = time.time() + 2
    os.utime(include, (later, later))
    assert session.get(url, headers={"Host": HOST}).text == "[two, longer]"


def test_dbm_cache_options_of_35_are_ignored(httpd):
    """Doc/migration.rst: no dbm cache; 3.5's options for it are ignored
    (the page is served, no file is made)."""
    for _ in range(2):
        assert ok(httpd, "/dbm/page.psp") == "dbm 2\n"
    assert not [path for path in httpd.var.iterdir()
                if path.name.startswith(("psp.dbm", "psp35.dbm"))]


def test_autoreload_off_keeps_the_compiled_page(httpd):
    page = httpd.htdocs / "psp" / "frozen" / "page.psp"
    session = requests.Session()
    url = httpd.url("/frozen/page.psp")
    assert session.get(url, headers={"Host": HOST}).text == "version one\n"
    page.write_bytes(b"version two, longer\n")
    later = time.time() + 2
    os.utime(page, (later, later))
    assert session.get(url, headers={"Host": HOST}).text == "version one\n"


def test_cache_is_bounded(httpd):
    directory = httpd.htdocs / "psp" / "small"
    directory.mkdir(exist_ok=True)
    os.chmod(directory, 0o755)
    page = (b"<%= len(sys.modules['mod_python.psp']._files) %> "
            b"<%= sys.modules['mod_python.psp']._files.size %>")
    for number in range(8):
        path = directory / ("p%d.psp" % number)
        path.write_bytes(page)
        os.chmod(path, 0o644)
    session = requests.Session()
    counts = []
    for number in range(8):
        response = session.get(httpd.url("/small/p%d.psp" % number),
                               headers={"Host": HOST})
        assert response.status_code == 200, response.text
        counts.append([int(word) for word in response.text.split()])
    assert all(size == 3 for _, size in counts)
    assert max(count for count, _ in counts) == 3
