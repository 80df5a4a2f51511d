"""mod_python.testhandler: the page that shows how mod_python sees a
request (3.5's quick check of an installation)."""

import re

CONFIG = """
<VirtualHost *:{port}>
    ServerName testhandler.test
    DocumentRoot {htdocs}
    PythonOption probe-option <b>bold</b>
    ErrorLog {tmp}/logs/testhandler_error_log
    LogLevel info
    <Location /mpinfo>
        SetHandler mod_python
        PythonHandler mod_python.testhandler
    </Location>
</VirtualHost>
"""

HOST = "testhandler.test"


def test_page_shows_versions_mpm_and_request_escaped(httpd):
    response = httpd.get("/mpinfo", host=HOST,
                         headers={"X-Probe": "<script>alert(1)</script>"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "<title>mod_python test page</title>" in page
    for title in ("General information", "Request input headers",
                  "Request environment", "Request configuration",
                  "Request options", "Request notes", "Server configuration",
                  "Server options", "Server configuration tree"):
        assert "<h3>%s</h3>" % title in page
    threaded = "Yes, maximum" if httpd.mpm == "event" else \
        "No (single thread MPM)"
    row = re.search(r"Apache threaded MPM</code></td><td><code>([^<]*)<",
                    page)
    assert row and row.group(1).startswith(threaded), page
    assert "Python sys.version" in page and "3." in page
    assert "mod_python.publisher available</code></td><td><code>Yes" in page
    # what the client and the configuration send is shown, never run
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    # the configuration tree names this very section
    tree = page.split("<h3>Server configuration tree</h3>")[1]
    assert "&lt;Location /mpinfo" in tree and "<Location" not in tree


def test_view_log_shows_the_end_of_the_error_log(httpd):
    """The virtual host's own ErrorLog: its last lines, at most 100."""
    for number in range(120):
        httpd.get("/no-such-file-%d" % number, host=HOST)   # AH00128 (info)
    response = httpd.get("/mpinfo?view_log=1", host=HOST)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert len(lines) == 100
    assert "/no-such-file-119" in lines[-1]
    assert not any("/no-such-file-19 " in line or
                   line.endswith("/no-such-file-19") for line in lines)
    page = httpd.get("/mpinfo", host=HOST).text
    assert "testhandler_error_log</code> (<a href=\"?view_log=1\">" in page
