"""req.is_https() and req.ssl_var_lookup() on a TLS virtual host (a server
of its own: mod_ssl and a self-signed certificate)."""

import os
import shutil
import subprocess
import warnings

import pytest
import requests

from harness import Httpd, free_port, modules_dir

SSL_CONFIG = """
LoadModule ssl_module {modules}/mod_ssl.so
Listen 127.0.0.1:{ssl_port} https
<VirtualHost 127.0.0.1:{ssl_port}>
    ServerName api-ssl.test
    SSLEngine on
    SSLCertificateFile {tmp}/ssl/cert.pem
    SSLCertificateKeyFile {tmp}/ssl/key.pem
    DocumentRoot {htdocs}/api/request
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/request>
        SetHandler mod_python
        PythonHandler reqapi
    </Directory>
</VirtualHost>
"""


def make_certificate(directory):
    directory.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=api-ssl.test",
                    "-keyout", str(directory / "key.pem"),
                    "-out", str(directory / "cert.pem")],
                   check=True, capture_output=True)
    for name in ("key.pem", "cert.pem"):
        os.chmod(directory / name, 0o644)


def test_is_https_and_ssl_var_lookup_over_tls(mpm):
    if not shutil.which("openssl") \
            or not os.path.exists(os.path.join(modules_dir(), "mod_ssl.so")):
        pytest.skip("needs openssl and mod_ssl")
    ssl_port = free_port()
    body = SSL_CONFIG.replace("{modules}", modules_dir()) \
                     .replace("{ssl_port}", str(ssl_port))
    server = Httpd(mpm, body)
    try:
        make_certificate(server.tmp / "ssl")
        server.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            response = requests.get("https://127.0.0.1:%d/ssl" % ssl_port,
                                    headers={"Host": "api-ssl.test"},
                                    verify=False, timeout=20)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["is_https"] is True
        assert result["protocol"].startswith("TLSv1")
        assert server.crash_lines() == []
    finally:
        server.cleanup()
