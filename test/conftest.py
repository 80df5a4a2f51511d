"""pytest fixtures: one real httpd per MPM serving every test module.

Each test module that uses the ``httpd`` fixture declares a module-level
``CONFIG`` string (usually a ``<VirtualHost>`` with its own ``ServerName``);
the snippets of all collected modules are concatenated into one server
configuration, Apache::Test style.  Placeholders: ``{htdocs}``, ``{tmp}``,
``{var}``, ``{port}``.  A snippet that ``apache2 -t`` refuses is left out
and only that module's tests fail, with Apache's message.

Tests that need a configuration of their own (restarts, config errors,
PythonImport, PythonOptimize) start their own ``Httpd`` with the ``mpm``
fixture.

Run:  python3 -m pytest test/            (both MPMs)
      python3 -m pytest test/ -k prefork (one MPM)
Environment: MP_MODULE=<path> tests another mod_python.so than
src/mod_python.so; MP_TEST_KEEP=1 keeps the servers' temporary
directories (config, logs) under /tmp.
"""

import uuid

import pytest

from harness import MPMS, HarnessError, Httpd, built_module, snippet_error


def pytest_sessionstart(session):
    """Without the built module there is nothing to test."""
    try:
        built_module()
    except HarnessError as exc:
        pytest.exit(str(exc), returncode=1)


def _config_modules(session):
    modules = []
    for item in session.items:
        module = getattr(item, "module", None)
        if (module is not None and module not in modules
                and getattr(module, "CONFIG", None)
                and "httpd" in getattr(item, "fixturenames", ())):
            modules.append(module)
    return modules


def _accepted_body(server, snippets):
    """Concatenate the snippets apache2 -t accepts; note the refused ones."""
    server.refused = {}
    body = "\n".join(snippets.values())
    returncode, _ = server.config_test(body)
    if returncode == 0:
        return body
    for name, snippet in snippets.items():
        returncode, output = server.config_test(snippet)
        if returncode != 0:
            server.refused[name] = snippet_error(output)
    return "\n".join(snippet for name, snippet in snippets.items()
                     if name not in server.refused)


@pytest.fixture(scope="session", params=MPMS, ids=MPMS)
def httpd(request):
    """The shared server for this MPM, with every module's CONFIG."""
    snippets = {module.__name__: module.CONFIG
                for module in _config_modules(request.session)}
    server = Httpd(request.param)
    try:
        body = _accepted_body(server, snippets)
        server.config_body = body
        server.conf.write_text(server.render_config(body))
        server.start()
    except Exception:
        server.cleanup()
        raise
    yield server
    server.stop()
    crashes = server.crash_lines()
    if not crashes:
        server.cleanup()
    else:
        pytest.fail("httpd (%s) error log shows crashed children (kept in "
                    "%s):\n%s" % (server.mpm, server.tmp, "\n".join(crashes)),
                    pytrace=False)


@pytest.fixture(scope="module", params=MPMS, ids=MPMS)
def mpm(request):
    """The MPM for tests that start a server of their own."""
    return request.param


@pytest.fixture(autouse=True)
def _shared_server_bookkeeping(request):
    """Fail early if our CONFIG was refused; remember the log offset."""
    if "httpd" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("httpd")
    refused = getattr(server, "refused", {}).get(request.module.__name__)
    if refused:
        pytest.fail("apache2 -t refused the CONFIG of %s:\n%s"
                    % (request.module.__name__, refused), pytrace=False)
    request.node.mp_server = server
    request.node.mp_log_offset = server.error_log_size()
    yield


@pytest.fixture
def trace_id():
    """A unique id; handlers name their trace files in {var} after it."""
    return uuid.uuid4().hex


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the error-log lines written during a failed test."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "mp_server", None)
    if server is not None and report.failed and call.when == "call":
        log = server.error_log_since(item.mp_log_offset).splitlines()
        report.sections.append(("httpd error_log during this test",
                                 "\n".join(log[-60:])))
