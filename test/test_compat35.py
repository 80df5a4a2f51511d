"""What mod_python 3.3-3.5 added and 3.5 applications rely on (issue 12):
PythonOption removal, server.get_options(), sys.argv, the Server token,
apache.main_server / interpreter / register_cleanup / MODULE_MAGIC_NUMBER,
the 2.4 connection names, get_basic_auth_pw() with Latin-1, req.hlist,
req.add_handler() as 3.5 has it, handlers in <Files>/<FilesMatch>, and the
<!--#python--> element of server-side includes (Doc/ssi.rst).  The 3.5
suite's own tests for these are named in each docstring."""

import base64
import uuid

import pytest

from harness import Httpd, modules_dir

HOST = "compat35.test"

CONFIG = """
<IfModule !include_module>
    LoadModule include_module %s/mod_include.so
</IfModule>
<VirtualHost *:{port}>
    ServerName compat35.test
    DocumentRoot {htdocs}/compat35
    PythonPath "sys.path+['{htdocs}/compat35', '{htdocs}/api/common']"
    PythonDebug On
    PythonOption global 1
    PythonOption override 1
    PythonOption removed-plain set-outside
    PythonOption removed-empty set-outside
    <Location /options>
        SetHandler mod_python
        PythonHandler compat
        PythonOption local 1
        PythonOption override 2
        PythonOption removed-plain
        PythonOption removed-empty ""
        PythonOption set-again ""
    </Location>
    <Location /options/again>
        PythonOption set-again "yes"
    </Location>
    <LocationMatch "^/(argv|attributes|exit_cleanup|add_bad|add_empty|hlist_added)">
        SetHandler mod_python
        PythonHandler compat
    </LocationMatch>
    <Location /argv/other>
        PythonInterpreter compat35-other
    </Location>
    <Location /argv/main>
        PythonInterpreter main_interpreter
    </Location>
    <Location /auth>
        SetHandler mod_python
        PythonHandler compat
        AuthType Basic
        AuthName compat
        Require all granted
    </Location>
    <Location /hlist>
        SetHandler mod_python
        PythonHandler compat compat::hlist_second
    </Location>
    <Location /none>
        SetHandler mod_python
        PythonHandler compat::none_handler
    </Location>
    <Location /chain>
        SetHandler mod_python
        PythonFixupHandler compat::fixup_ok compat::fixup_ok
        PythonHandler compat::report_chain
    </Location>
    <Location /chain/declined>
        PythonFixupHandler compat::fixup_declines compat::fixup_ok
    </Location>
    <Directory {htdocs}/compat35/files>
        <Files "*.py">
            SetHandler mod_python
            PythonHandler compat::files_directive
        </Files>
        <FilesMatch "\\.fm$">
            SetHandler mod_python
            PythonHandler compat::files_directive
        </FilesMatch>
    </Directory>
    <Directory {htdocs}/compat35/pipe>
        SetHandler mod_python
        PythonHandler compat::pipe_py | .py
        PythonHandler compat::pipe_gz | .gz
        PythonHandler compat::pipe_plain
    </Directory>
    <Directory {htdocs}/compat35/addphase>
        SetHandler mod_python
        PythonFixupHandler compat::add_content_from_fixup
    </Directory>
    <Directory {htdocs}/compat35/addaccess>
        SetHandler mod_python
        PythonAccessHandler compat::access_adds_content
    </Directory>
    <Directory {htdocs}/compat35/ssi>
        Options +Includes
        AddType text/html .shtml
        AddOutputFilter INCLUDES .shtml
        PythonFixupHandler compat::ssi_globals
    </Directory>
    <Directory {htdocs}/compat35/ssiplain>
        Options +Includes
        AddType text/html .shtml
        AddOutputFilter INCLUDES .shtml
        SSIErrorMsg "[python element failed]"
    </Directory>
    <Directory {htdocs}/compat35/ssinamed>
        Options +Includes
        AddType text/html .shtml
        AddOutputFilter INCLUDES .shtml
        PythonInterpreter ssi_named
    </Directory>
    <Directory {htdocs}/compat35/ssinoexec>
        Options +IncludesNOEXEC
        AddType text/html .shtml
        AddOutputFilter INCLUDES .shtml
    </Directory>
    # users' directories: .htaccess may turn on includes, never #exec
    <Directory {htdocs}/compat35/ssiuser>
        Options IncludesNOEXEC
        AllowOverride FileInfo Options=IncludesNOEXEC
    </Directory>
    <Directory {htdocs}/compat35/ssiuser2>
        Options IncludesNOEXEC
        AllowOverride FileInfo Options=IncludesNOEXEC
    </Directory>
</VirtualHost>
""" % modules_dir()

SSI_ERROR = "[an error occurred while processing this directive]"


def get_json(httpd, path, **kwargs):
    response = httpd.get(path, host=HOST, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


# ----------------------------------------------------------- PythonOption

def test_python_option_without_value_removes_an_inherited_option(httpd):
    """3.5 test_PythonOption_remove / _remove2 / test_server_get_options."""
    result = get_json(httpd, "/options")
    assert result["request"] == [["global", "1"], ["local", "1"],
                                 ["override", "2"]]
    # the server's options: outside every section of the vhost
    assert result["server"] == [["global", "1"], ["override", "1"],
                                ["removed-empty", "set-outside"],
                                ["removed-plain", "set-outside"]]
    # the main server has none of the virtual host's options (others'
    # tests may set some at server level)
    main_server = dict(result["main_server"])
    assert "global" not in main_server and "override" not in main_server


def test_python_option_removed_then_set_again_in_an_inner_section(httpd):
    result = get_json(httpd, "/options/again")
    assert ["set-again", "yes"] in result["request"]
    assert "removed-plain" not in dict(result["request"])


def test_server_get_options_is_the_same_table_on_every_call(httpd):
    """3.5's PythonImport test stores a mark in main_server.get_options()
    and finds it there in a later request."""
    assert get_json(httpd, "/options")["server_same_table"] is True


# ------------------------------------------------ sys.argv, Server header

@pytest.mark.parametrize("path, interpreter", [
    ("/argv", HOST), ("/argv/other", "compat35-other"),
    ("/argv/main", "main_interpreter")])
def test_sys_argv_is_mod_python_in_every_interpreter(httpd, path,
                                                     interpreter):
    """3.5 test_sys_argv."""
    result = get_json(httpd, path)
    assert result["argv"] == ["mod_python"]
    assert result["interpreter"] == interpreter


def test_server_header_names_python(httpd):
    """Under ServerTokens Full (the default), as 3.5 does."""
    response = httpd.get("/argv", host=HOST)
    tokens = response.headers["Server"].split()
    assert "mod_python/4.0.0" in tokens or any(
        token.startswith("mod_python/") for token in tokens)
    assert "Python/" + response.json()["version"] in tokens


# ------------------------------------------------------ the apache module

def test_apache_module_attributes_and_connection_names(httpd):
    """3.5 pythonapi.rst attributes; test_internal's member checks."""
    result = get_json(httpd, "/attributes")
    assert result["interpreter"] == result["req_interpreter"] == HOST
    assert result["main_server_type"] == "mp_server"
    assert result["main_server_virtual"] == 0
    major, minor = result["magic"]
    assert major > 20111130 and minor >= 0      # httpd 2.4
    assert result["client_ip"] == result["remote_ip"] == "127.0.0.1"
    assert result["client_addr"][0] == "127.0.0.1"
    assert result["useragent_ip"] == "127.0.0.1"
    assert result["useragent_addr"][0] == "127.0.0.1"
    assert result["mpm_threaded"] == (1 if httpd.mpm == "event" else 0)
    assert result["register_cleanup_not_callable"][0] == "TypeError"


def test_apache_register_cleanup_runs_at_child_exit(mpm):
    """3.5 test_apache_register_cleanup."""
    server = Httpd(mpm, CONFIG)
    try:
        server.start()
        name = "apache-exit-" + uuid.uuid4().hex
        path = server.var / name
        result = get_json(server, "/exit_cleanup?%s" % path)
        assert server.read_var(name) is None      # not before the exit
        server.stop()
        assert server.read_var(name) == \
            "apache.register_cleanup ran in %d\n" % result["pid"]
        assert server.crash_lines() == []
    finally:
        server.cleanup()


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        user + b":" + password).decode("ascii")}


@pytest.mark.parametrize("user, password, expected", [
    (b"spam", b"eggs", ["spam", "eggs"]),
    (b"sp\xe1m", b"\xe9ggs", ["sp\xe1m", "\xe9ggs"]),            # Latin-1
    ("späm".encode(), "€ggs".encode(), ["späm", "€ggs"]),        # UTF-8
])
def test_get_basic_auth_pw_decodes_utf8_else_latin1(httpd, user, password,
                                                    expected):
    """3.5 test_req_get_basic_auth_pw and _latin1."""
    result = get_json(httpd, "/auth", headers=basic(user, password))
    assert [result["user"], result["password"]] == expected


# --------------------------------------------------------------- req.hlist

def test_hlist_describes_the_handlers_of_the_phase(httpd):
    """3.5 test_internal / req_add_bad_handler read req.hlist.handler."""
    result = get_json(httpd, "/hlist")
    first, second, end = result["seen"]
    assert first == ["compat", None, 0, 1, 0, None]     # in <Location>
    assert second == ["compat::hlist_second", None]
    assert end == [None, None, None]
    assert result["now"] == "compat::hlist_second"


def test_hlist_shows_handlers_added_to_the_phase(httpd):
    result = get_json(httpd, "/hlist_added")
    assert result["seen"] == ["compat", "compat::quiet"]
    assert result["repr"] == "<mp_hlist handler='compat', 1 more>"


@pytest.mark.parametrize("page", ["page.py", "page.fm"])
def test_handlers_in_files_sections_get_the_directory(httpd, page):
    """3.5 test_files_directive (<Files>, and <FilesMatch>)."""
    response = httpd.get("/files/" + page, host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == "%s/compat35/files/" % httpd.htdocs


@pytest.mark.parametrize("page, ran", [
    ("page.py", "py;"),             # only the handlers listing .py
    ("other", "plain;"),            # no extension: those without a list
    ("a.tar.gz", "plain;"),         # the extension is .tar.gz, not .gz
])
def test_extension_lists_as_35_reads_them(httpd, page, ran):
    """3.5 test_pipe_ext: handlers whose "| .ext" list names the file's
    extension run instead of those without a list."""
    response = httpd.get("/pipe/" + page, host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == ran


# ---------------------------------------------------------- add_handler

def test_add_handler_of_a_missing_object_fails_when_it_runs(httpd):
    """3.5 test_req_add_bad_handler: the error names the missing object."""
    offset = httpd.error_log_size()
    response = httpd.get("/add_bad", host=HOST)
    assert response.text.startswith("added ")
    log = httpd.wait_for_log("contains no 'bad_handler'", offset)
    assert "contains no 'bad_handler'" in log


def test_add_handler_refuses_an_empty_handler_and_a_bad_phase(httpd):
    """3.5 test_req_add_empty_handler_string."""
    result = get_json(httpd, "/add_empty")
    assert result["empty"][0] == "ValueError"
    assert result["phase"][0] == "ValueError"


def test_add_handler_to_an_empty_phase_with_a_directory(httpd):
    """3.5 test_req_add_handler_empty_phase and _directory: the directory
    is canonical and ends with a slash."""
    result = get_json(httpd, "/addphase/index.txt")
    assert result == {"phase": "PythonHandler",
                      "directory": "%s/compat35/addphase/" % httpd.htdocs,
                      "handler": "compat::added_content"}


def test_access_handler_adds_the_content_handler(httpd):
    """3.5 test_accesshandler_add_handler_to_empty_hl."""
    response = httpd.get("/addaccess/index.txt", host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == "content: from the access handler"


# -------------------------------------------------- None, phase statuses

def test_a_handler_that_is_none_is_an_error(httpd):
    """3.5 test_none_handler."""
    assert httpd.get("/none", host=HOST).status_code == 500


@pytest.mark.parametrize("path, chain", [
    ("/chain", "ok,ok,"),
    # 3.0.1 manual: a status other than OK ends the phase's handlers
    # (3.5 goes on after DECLINED: Doc/migration.rst)
    ("/chain/declined", "declines,"),
])
def test_handler_chain_of_a_phase(httpd, path, chain):
    response = httpd.get(path, host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == chain


# ------------------------------------------------------------------- SSI

def test_ssi_exec_and_eval(httpd):
    """3.5 test_server_side_include: req.ssi_globals set by a fixup
    handler are the globals; `filter` writes in place of the element."""
    response = httpd.get("/ssi/page.shtml", host=HOST)
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert lines[0] == "test ok"
    assert lines[1] == "interpreter=" + HOST
    assert lines[2] == "file=page.shtml"


def test_ssi_error_shows_mod_include_error_text_and_logs(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/ssi/error.shtml", host=HOST)
    assert response.status_code == 200
    assert response.text.strip() == "before %s after" % SSI_ERROR
    assert "ZeroDivisionError" not in response.text     # no traceback
    log = httpd.wait_for_log("ZeroDivisionError", offset)
    assert "mod_python.apache: MP09001: exception in <!--#python eval--> " \
        "of %s/compat35/ssi/error.shtml" % httpd.htdocs in log


def test_ssi_code_is_not_expanded_with_request_variables(httpd):
    """The code is the page's text: mod_include variables (the query
    string, headers) are not substituted into it."""
    response = httpd.get("/ssi/vars.shtml?__import__('os')", host=HOST)
    assert response.text.strip() == "$QUERY_STRING|${QUERY_STRING}"


def test_ssi_bad_elements_are_errors(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/ssi/badtag.shtml", host=HOST)
    assert response.text.strip() == "a%sb%sc" % (SSI_ERROR, SSI_ERROR)
    log = httpd.wait_for_log("needs exec", offset)
    assert "unknown parameter 'code'" in log


def test_ssi_elements_share_globals_and_filter_works(httpd):
    """One element defines a name for the next; eval of None puts
    nothing; filter.read() is None, flush() works, close() stops the
    element's writes (a write after it raises: error text) but the page
    goes on."""
    offset = httpd.error_log_size()
    response = httpd.get("/ssi/shared.shtml", host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == "[]42[]None|test%s|test|end\n" % SSI_ERROR
    log = httpd.wait_for_log("MP09001", offset)
    assert "OSError: the filter is closed" in log


def test_ssi_globals_start_empty_without_a_handler(httpd):
    """No handler set req.ssi_globals: the code sees only filter and
    __file__; SSIErrorMsg replaces the default error text."""
    response = httpd.get("/ssiplain/page.shtml", host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == \
        "['__file__', 'filter']|[python element failed]|end\n"


def test_ssi_code_that_is_not_utf8_is_the_pages_error(httpd):
    """A Latin-1 byte in an element's code: that element is the error
    text, logged as the page's MP09001 (not an internal error); a UTF-8
    element of the same page runs."""
    offset = httpd.error_log_size()
    response = httpd.get("/ssiplain/latin1.shtml", host=HOST)
    assert response.status_code == 200
    assert response.content == \
        "[python element failed]|CAFÉ|end\n".encode()
    log = httpd.wait_for_log("UnicodeDecodeError", offset)
    assert "MP09001: exception in <!--#python eval--> of %s/compat35/" \
        "ssiplain/latin1.shtml" % httpd.htdocs in log
    assert "MP00021" not in log


def test_ssi_code_runs_in_the_interpreter_of_the_directory(httpd):
    """PythonInterpreter of the page's directory: the code runs there,
    as the page's handlers would."""
    response = httpd.get("/ssinamed/page.shtml", host=HOST)
    assert response.text == "ssi_named|ssi_named\n"


def test_ssi_elements_with_two_codes_or_empty_code_are_errors(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/ssi/badtag2.shtml", host=HOST)
    assert response.text == "a%sb%sc%sd\n" % ((SSI_ERROR,) * 3)
    log = httpd.wait_for_log("MP00026", offset)
    assert log.count("MP00025: <!--#python--> in %s/compat35/ssi/"
                     "badtag2.shtml: more than one exec/eval"
                     % httpd.htdocs) == 2
    assert "MP00026: <!--#python--> in %s/compat35/ssi/badtag2.shtml: " \
        "empty exec" % httpd.htdocs in log


def test_ssi_not_run_in_a_false_branch(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/ssi/cond.shtml", host=HOST)
    assert response.text.strip() == "done"
    assert "SSI-FALSE-BRANCH-RAN" not in httpd.error_log_since(offset)


def test_without_mod_include_the_element_is_text():
    """A server without mod_include: the page goes out as it is, the
    <!--#python--> an HTML comment, its code never run."""
    server = Httpd("prefork", """
<VirtualHost *:{port}>
    ServerName noinclude.test
    DocumentRoot {htdocs}/compat35
    <Directory {htdocs}/compat35/ssi>
        Options +Includes
        AddType text/html .shtml
    </Directory>
</VirtualHost>
""", name="mp-noinclude")
    try:
        server.start()
        offset = server.error_log_size()
        response = server.get("/ssi/error.shtml", host="noinclude.test")
        assert response.status_code == 200
        assert response.text == 'before <!--#python eval="1/0" --> after\n'
        assert "MP09001" not in server.error_log_since(offset)
        assert server.crash_lines() == []
    finally:
        server.cleanup()


def test_ssi_refused_under_includes_noexec(httpd):
    """Options IncludesNOEXEC forbids code in SSI pages: the element is
    refused (mod_include's error text) and its code never runs."""
    offset = httpd.error_log_size()
    response = httpd.get("/ssinoexec/page.shtml", host=HOST)
    assert response.status_code == 200
    assert response.text.strip() == "start %s %s end" % (SSI_ERROR,
                                                         SSI_ERROR)
    log = httpd.wait_for_log("IncludesNOEXEC forbids", offset)
    assert "IncludesNOEXEC forbids" in log
    assert "SSI-NOEXEC-RAN" not in log
    assert "evaluated" not in response.text


def test_ssi_refused_in_htaccess_pages_without_exec(httpd):
    """A user's .htaccess turns on SSI (Options +IncludesNOEXEC, all the
    admin allows): mod_include runs, #python is refused, its code never
    runs; asking for Options +Includes there is Apache's 500."""
    offset = httpd.error_log_size()
    response = httpd.get("/ssiuser/page.shtml", host=HOST)
    assert response.status_code == 200
    assert response.text.strip() == "user /ssiuser/page.shtml %s end" % (
        SSI_ERROR,)
    assert httpd.get("/ssiuser2/page.shtml", host=HOST).status_code == 500
    log = httpd.wait_for_log("Option Includes not allowed here", offset)
    assert "IncludesNOEXEC forbids" in log
    assert "SSI-HTACCESS-RAN" not in log

