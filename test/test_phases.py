"""Every Python*Handler runs in its own request phase, in Apache's order."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName phases.test
    DocumentRoot {htdocs}/phases
    PythonPath "sys.path+['{htdocs}/phases']"
    PythonPostReadRequestHandler phases
    PythonTransHandler phases
    PythonHeaderParserHandler phases
    PythonAccessHandler phases
    PythonAuthenHandler phases
    PythonAuthzHandler phases
    PythonTypeHandler phases
    PythonFixupHandler phases
    PythonHandler phases
    PythonLogHandler phases
    PythonCleanupHandler phases
    <Location />
        SetHandler mod_python
        AuthType Basic
        AuthName "phases"
        Require valid-user
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName init-vhost.test
    DocumentRoot {htdocs}/init
    PythonPath "sys.path+['{htdocs}/init']"
    PythonInitHandler initmod
    PythonTransHandler initmod
    PythonHeaderParserHandler initmod
    <Location />
        SetHandler mod_python
        PythonHandler initmod
    </Location>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName init-dir.test
    DocumentRoot {htdocs}/init
    PythonPath "sys.path+['{htdocs}/init']"
    PythonTransHandler initmod
    <Directory {htdocs}/init>
        SetHandler mod_python
        PythonInitHandler initmod
        PythonAccessHandler initmod
        PythonHandler initmod
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName trans.test
    DocumentRoot {htdocs}/trans
    PythonPath "sys.path+['{htdocs}/trans']"
    PythonTransHandler transmod
</VirtualHost>
"""

REQUEST_PHASES = [
    "PythonPostReadRequestHandler",
    "PythonTransHandler",
    "PythonHeaderParserHandler",
    "PythonAccessHandler",
    "PythonAuthenHandler",
    "PythonAuthzHandler",
    "PythonTypeHandler",
    "PythonFixupHandler",
    "PythonHandler",
]
AFTER_RESPONSE_PHASES = ["PythonLogHandler", "PythonCleanupHandler"]


def test_every_phase_runs_once_in_order(httpd, trace_id):
    response = httpd.get("/page", host="phases.test", auth=("spam", "eggs"),
                         headers={"X-Trace-Id": trace_id})
    assert response.status_code == 200, response.text
    assert response.text.split("\n") == REQUEST_PHASES

    expected = "".join(phase + "\n" for phase in AFTER_RESPONSE_PHASES)
    written = httpd.wait_for_var(trace_id, lambda text: text == expected)
    assert written == expected, "log/cleanup handlers wrote %r" % (written,)


def test_authen_handler_refusal_stops_the_request(httpd, trace_id):
    response = httpd.get("/page", host="phases.test", auth=("spam", "ham"),
                         headers={"X-Trace-Id": trace_id})
    assert response.status_code == 401
    assert "PythonFixupHandler" not in response.text
    # the log handler still runs for the refused request
    written = httpd.wait_for_var(trace_id, lambda text: "Cleanup" in text)
    assert written is not None and "PythonLogHandler\n" in written


def test_init_handler_at_vhost_level_runs_as_post_read_request(httpd):
    response = httpd.get("/page", host="init-vhost.test")
    assert response.status_code == 200, response.text
    assert response.text.split("\n") == [
        "PythonInitHandler",          # post-read-request, before trans
        "PythonTransHandler",
        "PythonHeaderParserHandler",  # and not a second time here
        "PythonHandler",
    ]


def test_init_handler_in_directory_runs_as_header_parser(httpd):
    response = httpd.get("/page", host="init-dir.test")
    assert response.status_code == 200, response.text
    assert response.text.split("\n") == [
        "PythonTransHandler",
        "PythonInitHandler",          # header-parser, after trans
        "PythonAccessHandler",
        "PythonHandler",
    ]


def test_trans_handler_sets_filename(httpd):
    response = httpd.get("/virtual/anything/at/all", host="trans.test")
    assert response.status_code == 200, response.text
    assert response.text == "the real file\n"


def test_trans_handler_declining_lets_apache_map_the_uri(httpd):
    response = httpd.get("/real.txt", host="trans.test")
    assert response.status_code == 200
    assert response.text == "the real file\n"
    assert httpd.get("/missing.txt", host="trans.test").status_code == 404
