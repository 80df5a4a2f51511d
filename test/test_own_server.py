"""Process-wide directives: PythonImport and PythonOptimize (own server)."""

import pytest

from harness import Httpd

SERVER_CONFIG = """
PythonPath "sys.path+['{htdocs}/pyimport_path']"
PythonImport importedmod import.test
PythonImport importedmod main_interpreter
PythonImport pathimported::started import.test
PythonImport pathimported::fails import.test
PythonImport pathimported::no_such_function import.test
PythonOptimize On
<VirtualHost *:{port}>
    ServerName import.test
    DocumentRoot {htdocs}/pyimport
    <Directory {htdocs}/pyimport>
        SetHandler mod_python
        PythonHandler importcheck
    </Directory>
    <Location /main>
        PythonInterpreter main_interpreter
    </Location>
</VirtualHost>
<VirtualHost *:{port}>
    ServerName not-imported.test
    DocumentRoot {htdocs}/pyimport
    <Directory {htdocs}/pyimport>
        SetHandler mod_python
        PythonHandler importcheck
    </Directory>
</VirtualHost>
"""


@pytest.fixture(scope="module")
def server(mpm):
    own = Httpd(mpm, SERVER_CONFIG, extra_pythonpath=["pyimport_lib"])
    try:
        own.start()
        yield own
        own.stop()
        assert own.crash_lines() == []
    finally:
        own.cleanup()


@pytest.fixture(autouse=True)
def _error_log_on_failure(server, request):
    request.node.mp_server = server
    request.node.mp_log_offset = server.error_log_size()


def report(server, path, host):
    response = server.get(path, host=host)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path, interpreter", [
    ("/page", "import.test"), ("/main/page", "main_interpreter")])
def test_python_import_at_child_start(server, path, interpreter):
    for _ in range(4):   # whichever child answers
        seen = report(server, path, "import.test")
        assert seen["interpreter"] == interpreter
        assert seen["imported_before"], \
            "importedmod was not imported before the first request"
        assert seen["imported_in_this_process"]


def test_python_import_calls_module_function(server):
    """PythonImport module::function (3.5): the module is found through the
    server's PythonPath, the function is called once it is imported, and
    what it stores in main_server.get_options() is there for handlers."""
    for _ in range(4):   # whichever child answers
        seen = report(server, "/page", "import.test")
        assert seen["function_ran_in_this_process"]
        assert seen["main_server_option"] == "1"


def test_python_import_function_errors_are_logged(server):
    log = server.error_log()
    assert "PythonImport pathimported::fails import.test failed" in log
    assert "RuntimeError: PythonImport function failure" in log
    assert "PythonImport pathimported::no_such_function import.test " \
        "failed" in log
    assert "AttributeError" in log


def test_python_import_only_in_the_named_interpreter(server):
    seen = report(server, "/page", "not-imported.test")
    assert seen["interpreter"] == "not-imported.test"
    assert not seen["imported_before"]


def test_python_optimize(server):
    seen = report(server, "/page", "import.test")
    assert seen["optimize"] == 1
    assert not seen["asserts_run"]
