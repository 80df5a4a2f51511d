"""Dynamic registration: req.add_handler() and req.register_cleanup()."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName dynamic.test
    DocumentRoot {htdocs}/dynamic
    PythonPath "sys.path+['{htdocs}/dynamic']"
    <Location />
        SetHandler mod_python
    </Location>
    <Location /fixup-adds>
        PythonFixupHandler dynmod::fixup_adds_content
    </Location>
    <Location /authen-adds>
        AuthType Basic
        AuthName "dynamic"
        Require valid-user
        PythonAuthenHandler dynmod::authen_adds_content
    </Location>
    <Location /fixup-chain>
        PythonFixupHandler dynmod::fixup_registers_fixup
        PythonHandler dynmod::show_trace
    </Location>
    <Location /cleanup>
        PythonHandler dynmod::registers_cleanup
    </Location>
    <Location /cleanup-order>
        PythonHandler dynmod::registers_cleanup_then_directive
        PythonCleanupHandler dynmod::cleanup_directive
    </Location>
</VirtualHost>
"""

HOST = "dynamic.test"


def test_fixup_handler_adds_the_content_handler(httpd):
    response = httpd.get("/fixup-adds", host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == "added content handler ran in PythonHandler"


def test_authen_handler_picks_the_content_handler(httpd):
    admin = httpd.get("/authen-adds", host=HOST, auth=("admin", "secret"))
    assert (admin.status_code, admin.text) == (200, "admin menu for admin")
    basic = httpd.get("/authen-adds", host=HOST, auth=("spam", "eggs"))
    assert (basic.status_code, basic.text) == (200, "basic menu for spam")
    assert httpd.get("/authen-adds", host=HOST).status_code == 401


def test_handler_added_to_the_running_phase_runs_after_it(httpd):
    response = httpd.get("/fixup-chain", host=HOST)
    assert response.status_code == 200, response.text
    assert response.text == \
        "fixup_registers_fixup,registered_fixup in PythonFixupHandler"


def test_register_cleanup_runs_after_the_request(httpd, trace_id):
    response = httpd.get("/cleanup", host=HOST,
                         headers={"X-Trace-Id": trace_id})
    assert (response.status_code, response.text) == (200, "cleanup registered")
    assert httpd.wait_for_var(trace_id) == "cleanup data\n"


def test_registered_cleanups_run_before_python_cleanup_handler(httpd,
                                                               trace_id):
    response = httpd.get("/cleanup-order", host=HOST,
                         headers={"X-Trace-Id": trace_id})
    assert response.status_code == 200, response.text
    expected = "register_cleanup\nPythonCleanupHandler\n"
    written = httpd.wait_for_var(trace_id, lambda text: text.count("\n") >= 2)
    assert written == expected
