"""PythonOption, PythonPath, PythonHandlerModule, PythonEnablePdb."""

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
    <Location /pdb>
        PythonEnablePdb On
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName handlermodule.test
    DocumentRoot {htdocs}/handlermodule
    <Directory {htdocs}/handlermodule>
        SetHandler mod_python
        PythonHandlerModule hmodmod
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
