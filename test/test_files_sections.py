"""Handler directives in a <Files> section that is not inside <Directory>
(server or virtual-host level, .htaccess): the directory they apply to is
a directory, never the <Files> pattern (issue 16 item 11, handlers.rst
"sys.path")."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName filessec.test
    DocumentRoot {htdocs}/filessec
    PythonPath "sys.path+['{htdocs}/filessec/lib']"
    <Directory {htdocs}/filessec/ht>
        AllowOverride All
    </Directory>
    <Files "top.fp">
        SetHandler mod_python
        PythonHandler filespath
        PythonInterpPerDirective On
    </Files>
</VirtualHost>
"""

HOST = "filessec.test"


def report(httpd, path):
    response = httpd.get(path, host=HOST)
    assert response.status_code == 200, response.text
    return response.json()


def test_files_at_virtual_host_level_adds_no_pattern(httpd):
    got = report(httpd, "/top.fp")
    assert not any("top.fp" in entry for entry in got["path"]), got["path"]
    assert "top.fp" not in got["interpreter"]
    assert "top.fp" not in (got["directory"] or "")


def test_files_in_htaccess_means_the_htaccess_directory(httpd):
    got = report(httpd, "/ht/page.fp")
    directory = str(httpd.htdocs / "filessec" / "ht") + "/"
    assert not any("*.fp" in entry for entry in got["path"]), got["path"]
    assert directory.rstrip("/") in got["path"]      # normalized
    assert got["directory"] == directory
    assert "*.fp" not in got["interpreter"]
