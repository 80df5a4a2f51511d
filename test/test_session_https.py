"""The session cookie carries Secure when the request came over https
(a server of its own: mod_ssl and a self-signed certificate)."""

import os
import shutil
import warnings

import pytest
import requests

from harness import Httpd, free_port, modules_dir
from test_api_ssl import make_certificate

CONFIG = """
LoadModule ssl_module {modules}/mod_ssl.so
Listen 127.0.0.1:{ssl_port} https
<Directory {htdocs}/session>
    SetHandler mod_python
    PythonHandler sessionhandlers
    PythonOption mod_python.session.session_type FileSession
    PythonOption mod_python.session.database_directory {var}
</Directory>
<VirtualHost 127.0.0.1:{ssl_port}>
    ServerName session-ssl.test
    SSLEngine on
    SSLCertificateFile {tmp}/ssl/cert.pem
    SSLCertificateKeyFile {tmp}/ssl/key.pem
</VirtualHost>
"""


def test_session_cookie_is_secure_on_https_only(mpm):
    if not shutil.which("openssl") \
            or not os.path.exists(os.path.join(modules_dir(), "mod_ssl.so")):
        pytest.skip("needs openssl and mod_ssl")
    ssl_port = free_port()
    server = Httpd(mpm, CONFIG.replace("{modules}", modules_dir())
                   .replace("{ssl_port}", str(ssl_port)),
                   name="mp-session-ssl")
    try:
        make_certificate(server.tmp / "ssl")
        server.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            secure = requests.get(
                "https://127.0.0.1:%d/session/info" % ssl_port,
                verify=False, timeout=20)
        plain = server.get("/session/info")
        assert secure.status_code == plain.status_code == 200
        assert secure.headers["Set-Cookie"].endswith(
            "; path=/; secure; httponly; samesite=Lax")
        assert plain.headers["Set-Cookie"].endswith(
            "; path=/; httponly; samesite=Lax")
    finally:
        server.stop()
        server.cleanup()
