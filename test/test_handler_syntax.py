"""Python*Handler syntax (manual 5.1.1): module::object, chains, | .ext."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName syntax.test
    DocumentRoot {htdocs}/syntax
    PythonPath "sys.path+['{htdocs}/syntax']"
    <Location />
        SetHandler mod_python
        PythonHandler syntaxmod
    </Location>
    <Location /dotted>
        PythonHandler syntaxmod::obj.method
    </Location>
    <Location /class>
        PythonHandler syntaxmod::Greeter.greet
    </Location>
    <Location /several>
        PythonHandler syntaxmod::first syntaxmod::second syntaxmod::third
    </Location>
    <Location /repeated>
        PythonHandler syntaxmod::first
        PythonHandler syntaxmod::second
        PythonHandler syntaxmod::third
    </Location>
    <Location /stop-on-error>
        PythonHandler syntaxmod::mark_a syntaxmod::forbid syntaxmod::mark_b
    </Location>
    <Location /stop-on-declined>
        PythonFixupHandler syntaxmod::mark_a syntaxmod::decline syntaxmod::mark_b
        PythonHandler syntaxmod::show_marks
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName syspath.test
    DocumentRoot {htdocs}/syspath
    <Directory {htdocs}/syspath>
        SetHandler mod_python
        PythonHandler dirmod
    </Directory>
    <Directory {htdocs}/syspath/pkgtest>
        PythonHandler pkg.sub
    </Directory>
    <Directory {htdocs}/syspath/ext>
        PythonHandler extmod | .py .alt
    </Directory>
</VirtualHost>
"""

SYNTAX = "syntax.test"
SYSPATH = "syspath.test"


def get_text(httpd, path, host=SYNTAX, **kwargs):
    response = httpd.get(path, host=host, **kwargs)
    assert response.status_code == 200, response.text
    return response.text


def test_default_object_is_handler(httpd):
    assert get_text(httpd, "/whatever") == "default object: handler"


def test_dotted_object_resolved_left_to_right(httpd):
    assert get_text(httpd, "/dotted") == "obj.method called"


def test_class_met_while_resolving_is_instantiated_with_req(httpd):
    assert get_text(httpd, "/class") == \
        "Greeter(req).greet called, self.req is req: True"


def test_several_handlers_on_one_line_run_left_to_right(httpd):
    assert get_text(httpd, "/several") == "first;second;third;"


def test_repeated_directives_run_in_order(httpd):
    assert get_text(httpd, "/repeated") == "first;second;third;"


def test_error_status_stops_the_chain(httpd, trace_id):
    response = httpd.get("/stop-on-error", host=SYNTAX,
                         headers={"X-Trace-Id": trace_id})
    assert response.status_code == 403
    assert httpd.read_var(trace_id) == "a\nforbid\n", \
        "the handler after the one returning 403 ran"


def test_declined_stops_the_chain(httpd, trace_id):
    text = get_text(httpd, "/stop-on-declined",
                    headers={"X-Trace-Id": trace_id})
    assert text == "a,decline", "the handler after DECLINED ran"


def test_directory_of_directive_is_on_sys_path(httpd):
    assert get_text(httpd, "/page", host=SYSPATH) == \
        "helper=helper imported on_path=True"


def test_package_notation(httpd):
    assert get_text(httpd, "/pkgtest/x", host=SYSPATH) == \
        "pkg.sub handler, __name__=pkg.sub"


def test_extension_restriction_runs_handler_for_listed_extensions(httpd):
    assert get_text(httpd, "/ext/page.py", host=SYSPATH) == \
        "extmod handled page.py"
    assert get_text(httpd, "/ext/other.alt", host=SYSPATH) == \
        "extmod handled other.alt"


def test_extension_restriction_leaves_other_files_static(httpd):
    assert get_text(httpd, "/ext/static.txt", host=SYSPATH) == \
        "static text\n"
