"""Handler modules keyed by their file (mod_python 3.3+): two directories
may each have their own handlers.py in one interpreter; library modules
(dotted names, modules found on sys.path) stay in sys.modules."""

import concurrent.futures
import os
import time

import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName handlermods.test
    DocumentRoot {htdocs}/handlermods
    <Directory {htdocs}/handlermods/a>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonPath "['{htdocs}/handlermods/a'] + sys.path"
        PythonHandler handlers
    </Directory>
    <Directory {htdocs}/handlermods/b>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler handlers
    </Directory>
    <Directory {htdocs}/handlermods/pkgdir>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler pkg.handlers
    </Directory>
    <Directory {htdocs}/handlermods/importer>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler importer
    </Directory>
    <Directory {htdocs}/handlermods/racing>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler slowload
    </Directory>
    <Directory {htdocs}/handlermods/shared>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler sharedmain
    </Directory>
    <Directory {htdocs}/handlermods/later>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonHandler latecomer
    </Directory>
    <Location /lib>
        SetHandler mod_python
        PythonInterpreter handlermods
        PythonPath "sys.path + ['{htdocs}/handlermods/libdir']"
        PythonHandler handlermods_lib
    </Location>
</VirtualHost>
"""

HOST = "handlermods.test"
_future = iter(range(100, 100000, 100))


def fetch(session, httpd, path):
    response = session.get(httpd.url(path), headers={"Host": HOST},
                           timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def rewrite(path, old, new):
    """Change the file's text and move its modification time ahead."""
    path.write_text(path.read_text().replace(old, new))
    when = time.time() + next(_future)
    os.utime(path, (when, when))


def test_two_directories_each_have_their_own_handlers_module(httpd):
    with requests.Session() as session:   # keep-alive: one process
        answers = []
        for _ in range(3):
            answers.append(fetch(session, httpd, "/a/x").split())
            answers.append(fetch(session, httpd, "/b/x").split())
    assert len({answer[4] for answer in answers}) == 1     # one process
    assert [answer[0] for answer in answers] == ["a", "b"] * 3
    a_name, b_name = answers[0][1], answers[1][1]
    assert a_name != b_name and a_name.startswith("_mp_")
    # each directory is on sys.path once, however many requests it served
    # (a's also named by PythonPath, without the trailing slash)
    assert {answer[2] for answer in answers} == {"1"}
    # the plain name is not taken in sys.modules
    assert {answer[3] for answer in answers} == {"False"}


def test_importing_a_handler_module_by_name_gives_that_module(httpd):
    """One module per file: a helper's `import sharedmain` gets the very
    module the handler runs in, also after it was reloaded."""
    module = httpd.htdocs / "handlermods" / "shared" / "sharedmain.py"
    with requests.Session() as session:
        assert fetch(session, httpd, "/shared/x") == "True one True"
        rewrite(module, 'VERSION = "one"', 'VERSION = "two"')
        try:
            assert fetch(session, httpd, "/shared/x") == "True two True"
        finally:
            rewrite(module, 'VERSION = "two"', 'VERSION = "one"')


def test_library_module_found_on_sys_path_stays_in_sys_modules(httpd):
    with requests.Session() as session:
        for _ in range(2):
            assert fetch(session, httpd, "/lib/x") == "handlermods_lib True"


def test_module_of_a_package_is_reloaded_when_it_changes(httpd):
    module = httpd.htdocs / "handlermods" / "pkgdir" / "pkg" / "handlers.py"
    with requests.Session() as session:
        assert fetch(session, httpd, "/pkgdir/x") == "version 1 True"
        rewrite(module, "version 1", "version 2")
        assert fetch(session, httpd, "/pkgdir/x") == "version 2 True"
        rewrite(module, "version 2", "version 1")
        assert fetch(session, httpd, "/pkgdir/x") == "version 1 True"


def test_changed_handler_module_is_executed_again(httpd):
    module = httpd.htdocs / "handlermods" / "a" / "handlers.py"
    with requests.Session() as session:
        assert fetch(session, httpd, "/a/x").startswith("a ")
        rewrite(module, 'WHERE = "a"', 'WHERE = "a2"')
        try:
            assert fetch(session, httpd, "/a/x").startswith("a2 ")
            assert fetch(session, httpd, "/b/x").startswith("b ")
        finally:
            rewrite(module, 'WHERE = "a2"', 'WHERE = "a"')
        assert fetch(session, httpd, "/a/x").startswith("a ")


def test_a_broken_handler_module_is_a_500_until_fixed(httpd):
    module = httpd.htdocs / "handlermods" / "b" / "handlers.py"
    offset = httpd.error_log_size()
    with requests.Session() as session:
        assert fetch(session, httpd, "/b/x").startswith("b ")
        rewrite(module, "def handler(req):", "def handler(req)")
        try:
            response = session.get(httpd.url("/b/x"), headers={"Host": HOST})
            assert response.status_code == 500
        finally:
            rewrite(module, "def handler(req)", "def handler(req):")
        assert fetch(session, httpd, "/b/x").startswith("b ")
    assert "SyntaxError" in httpd.error_log_since(offset)


def test_import_module_with_path_keys_the_module_by_its_file(httpd):
    answer = httpd.get("/importer/x", host=HOST).json()
    assert answer == {"one": "one", "two": "two", "distinct": True,
                      "same_again": True, "in_sys_modules": False,
                      "registered": True}


def test_threads_wait_for_one_reload_of_a_changed_module(httpd):
    """All requests that see the change get the module of one execution
    (under event several threads of one child ask at once)."""
    module = httpd.htdocs / "handlermods" / "racing" / "slowload.py"
    url = httpd.url("/racing/x")

    def ask(_):
        response = requests.get(url, headers={"Host": HOST}, timeout=30)
        assert response.status_code == 200, response.text
        return response.text.split()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(ask, range(8)))
        rewrite(module, 'VERSION = "version 1"', 'VERSION = "version 2"')
        try:
            answers = list(pool.map(ask, range(16)))
        finally:
            rewrite(module, 'VERSION = "version 2"', 'VERSION = "version 1"')
    executions_by_child = {}
    for version, number, pid, executions in answers:
        assert (version, number) == ("version", "2")
        executions_by_child[pid] = executions.split(",")
    for executions in executions_by_child.values():
        # one execution of version 2 in each child, however many threads
        # asked for it while it ran
        assert executions.count("2") == 1, executions


def test_a_handler_module_created_after_a_failed_request_is_found(httpd):
    """A request before the file exists fails (500); once it is written,
    the next request finds it in the directory, as a handler module."""
    directory = httpd.htdocs / "handlermods" / "later"
    module = directory / "latecomer.py"
    with requests.Session() as session:
        response = session.get(httpd.url("/later/x"), headers={"Host": HOST})
        assert response.status_code == 500
        module.write_text(
            "from mod_python import apache\n"
            "def handler(req):\n"
            "    req.write(__name__)\n"
            "    return apache.OK\n")
        os.chmod(module, 0o644)
        try:
            assert fetch(session, httpd, "/later/x").startswith("_mp_")
        finally:
            module.unlink()
