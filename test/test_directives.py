"""PythonOption, PythonPath, PythonHandlerModule, PythonEnablePdb, and
mod_python's directives in .htaccess files (Doc/directives.rst)."""

import pytest
import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName directives.test
    DocumentRoot {htdocs}/directives
    <Directory {htdocs}/directives>
        SetHandler mod_python
        PythonHandler dirmod
        PythonOption outer_key outer
        PythonOption shared outer_value
    </Directory>
    <Directory {htdocs}/directives/inner>
        PythonOption inner_key inner
        PythonOption shared inner_value
    </Directory>
    <Directory {htdocs}/directives/pypath>
        PythonPath "sys.path+['{htdocs}/directives_extra']"
    </Directory>
    <Location /pyorder_a>
        PythonInterpreter pypath_order
        PythonPath "sys.path+['/mp-test-a']"
    </Location>
    <Location /pyorder_b>
        PythonInterpreter pypath_order
        PythonPath "['/mp-test-b'] + sys.path"
    </Location>
    <Location /pyorder_c>
        PythonInterpreter pypath_order
        PythonPath "['/mp-test-c']"
    </Location>
    <Location /pdb>
        PythonEnablePdb On
    </Location>
    <Directory {htdocs}/directives/ht_some>
        AllowOverride Indexes
    </Directory>
    <Directory {htdocs}/directives/ht_none>
        AllowOverride None
    </Directory>
    <Directory {htdocs}/directives/ht_server>
        AllowOverride All
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName handlermodule.test
    DocumentRoot {htdocs}/handlermodule
    <Directory {htdocs}/handlermodule>
        SetHandler mod_python
        PythonHandlerModule hmodmod
    </Directory>
    <Directory {htdocs}/handlermodule/replaced>
        PythonHandlerModule onlyhandler
    </Directory>
</VirtualHost>
"""

HOST = "directives.test"


def get_json(httpd, path, host=HOST):
    response = httpd.get(path, host=host)
    assert response.status_code == 200, response.text
    return response.json()


def test_python_option_and_get_options(httpd):
    assert get_json(httpd, "/options") == {"outer_key": "outer",
                                           "shared": "outer_value"}


def test_get_options_is_a_case_insensitive_table(httpd):
    assert get_json(httpd, "/option_lookup") == {
        "shared": "outer_value", "SHARED": "outer_value", "missing": None}


def test_options_of_outer_directory_merged_into_inner(httpd):
    assert get_json(httpd, "/inner/options") == {
        "outer_key": "outer", "inner_key": "inner", "shared": "inner_value"}


def test_python_path_makes_a_directory_importable(httpd):
    assert get_json(httpd, "/pypath/import_extra") == "extra_module imported"


def test_python_path_is_evaluated_once_per_text_and_interpreter(httpd):
    """Doc/directives.rst, PythonPath: each text is evaluated the first
    time an interpreter meets it, replacing sys.path then: texts built on
    sys.path accumulate, one that is not drops the rest (the handler's
    directory comes back), and what code removes is not put back.
    One keep-alive connection: one child, so one copy of the interpreter."""
    browser = requests.Session()

    def path(location):
        response = browser.get(httpd.url("/%s" % location),
                               headers={"Host": HOST}, timeout=20)
        assert response.status_code == 200, response.text
        return response.json()

    directory = str(httpd.htdocs / "directives")
    first = path("pyorder_a/syspath")
    assert first[-1] == "/mp-test-a"
    second = path("pyorder_b/syspath")
    assert second == ["/mp-test-b"] + first
    dropped = path("pyorder_a/drop_extra")
    assert "/mp-test-a" not in dropped and "/mp-test-b" not in dropped
    assert "/mp-test-a" not in path("pyorder_a/syspath")
    replaced = path("pyorder_c/syspath")
    assert replaced == [directory, "/mp-test-c"]


def test_python_optimize_off_by_default(httpd):
    assert get_json(httpd, "/optimize") == 0


def test_enable_pdb_without_one_process_is_ignored(httpd):
    assert get_json(httpd, "/pdb/hello") == "hello"


def test_handler_module_runs_the_functions_it_has(httpd, trace_id):
    offset = httpd.error_log_size()
    response = httpd.get("/page", host="handlermodule.test",
                         headers={"X-Trace-Id": trace_id})
    assert response.status_code == 200, response.text
    assert response.text == \
        "PythonHeaderParserHandler,PythonFixupHandler,PythonHandler"
    written = httpd.wait_for_var(trace_id)
    assert written == "PythonLogHandler\n"
    assert "hmodmod" not in httpd.error_log_since(offset), \
        "missing handler functions were not skipped silently"


def test_handler_module_replaces_the_lists_of_outer_sections(httpd):
    """Doc/directives.rst: PythonHandlerModule replaces, for the merging of
    sections, the handler list of every phase: below a section with
    hmodmod (header parser, fixup, content and log handlers), one with a
    module that has only handler() runs that alone, not hmodmod's
    header-parser and fixup handlers before it."""
    response = httpd.get("/replaced/page", host="handlermodule.test")
    assert response.status_code == 200, response.text
    assert response.text == "|onlyhandler"


# ------------------------------------------------------------- .htaccess

def htaccess(httpd, directory, text):
    """Write DIRECTORY/.htaccess (read again by Apache on each request)."""
    path = httpd.htdocs / "directives" / directory
    path.mkdir(exist_ok=True)
    path.chmod(0o755)
    (path / ".htaccess").write_text(text + "\n")
    (path / ".htaccess").chmod(0o644)


def test_htaccess_directives_need_allowoverride_other_than_none(httpd):
    """Any AllowOverride class but None lets .htaccess set mod_python's
    directives (Doc/directives.rst, "Contexts"): they are read, merged
    over the <Directory>'s; with None the file is not read."""
    text = "PythonOption from_htaccess yes\nPythonOption shared ht_value"
    htaccess(httpd, "ht_some", text)
    htaccess(httpd, "ht_none", text)
    assert get_json(httpd, "/ht_some/options") == {
        "outer_key": "outer", "shared": "ht_value", "from_htaccess": "yes"}
    assert get_json(httpd, "/ht_none/options") == {
        "outer_key": "outer", "shared": "outer_value"}


def test_bad_directive_in_htaccess_is_a_500_naming_it(httpd):
    htaccess(httpd, "ht_server", "PythonHandler my-module")
    offset = httpd.error_log_size()
    assert httpd.get("/ht_server/hello", host=HOST).status_code == 500
    log = httpd.wait_for_log("is not a handler", since=offset)
    assert "ht_server/.htaccess: PythonHandler: 'my-module' is not a " \
        "handler (expected module[::object])" in log


@pytest.mark.parametrize("line", [
    "PythonPostReadRequestHandler dirmod", "PythonTransHandler dirmod",
    "PythonImport dirmod main_interpreter", "PythonOptimize On",
    "PythonOutputFilter dirmod NAME", "PythonInputFilter dirmod NAME",
    "PythonConnectionHandler dirmod", "PythonInterpreterGIL own"])
def test_server_directive_in_htaccess_is_refused(httpd, line):
    """What applies to a whole server or process is not a directory
    owner's to set, even with AllowOverride All."""
    htaccess(httpd, "ht_server", line)
    offset = httpd.error_log_size()
    assert httpd.get("/ht_server/hello", host=HOST).status_code == 500
    name = line.split()[0]
    assert "%s not allowed here" % name in httpd.wait_for_log(
        "not allowed here", since=offset)
