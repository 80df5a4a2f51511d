"""The server object's methods (manual 4.5.6): get_options, get_config,
register_cleanup run at child exit; comparison of server objects."""

import uuid

from harness import Httpd

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-server.test
    DocumentRoot {htdocs}/api/server
    PythonPath "sys.path+['{htdocs}/api/common']"
    PythonOption vhost-option vhost-value
    PythonDebug On
    <Directory {htdocs}/api/server>
        SetHandler mod_python
        PythonHandler servermod
        PythonOption dir-option dir-value
    </Directory>
</VirtualHost>
"""

HOST = "api-server.test"


def test_server_methods_and_comparison(httpd):
    response = httpd.get("/methods", host=HOST)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["equal"] is True
    assert result["hash_equal"] is True
    assert result["not_equal_base"] is True
    assert result["repr"] == "<mp_server api-server.test:0>"
    assert result["config"] == {"PythonPath": "sys.path+['%s/api/common']"
                                % httpd.htdocs, "PythonDebug": "1"}
    assert result["options"] == {"vhost-option": "vhost-value"}
    assert result["main_config"] == {}
    # server.next walks the virtual hosts (Apache keeps them last first)
    assert result["servers"][0] == HOST
    assert result["servers"][-1] == "localhost"     # the default vhost
    assert result["as_dict_key"] == 1


def test_register_cleanup_runs_at_child_exit(mpm):
    server = Httpd(mpm, CONFIG)
    try:
        server.start()
        name = "exit-" + uuid.uuid4().hex
        response = server.get("/register?" + name, host=HOST)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["not_request"][0] == "TypeError"
        assert result["not_callable"][0] == "TypeError"
        assert server.read_var(name) is None      # not before the exit
        server.stop()
        assert server.read_var(name) == "child %d exited\n" % result["pid"]
        log = server.error_log()
        assert "RuntimeError: exit callback failure " + name in log
        assert server.crash_lines() == []
    finally:
        server.cleanup()
