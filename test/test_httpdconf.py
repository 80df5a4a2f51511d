"""mod_python.httpdconf: httpd configuration written as Python, as in
mod_python 3.5 (its test suite builds its whole config with it)."""

import os
import subprocess
import sys

import pytest

from harness import REPO, free_port

sys.path.insert(0, str(REPO / "lib" / "python"))
from mod_python import httpdconf  # noqa: E402
from mod_python.httpdconf import (  # noqa: E402
    Comment, Container, ContainerTag, Directive, Directory, DocumentRoot,
    ErrorLog, IfModule, LogFormat, PythonDebug, PythonHandler, PythonOption,
    PythonPath, ServerName, SetHandler, VirtualHost, CustomLog)

# The configuration of this module's own virtual host, made by httpdconf
# and served by the shared test server under both MPMs.
CONFIG = str(VirtualHost(
    "*:{port}",
    ServerName("httpdconf.test"),
    DocumentRoot("{htdocs}/httpdconf"),
    Directory("{htdocs}/httpdconf",
              SetHandler("mod_python"),
              PythonHandler("confcheck"),
              PythonOption("made-by httpdconf"),
              PythonDebug("On"),
              Container(PythonOption("left-out yes"), only_if="False"))))


def test_a_configuration_made_by_httpdconf_serves(httpd):
    response = httpd.get("/x", host="httpdconf.test")
    assert response.status_code == 200, response.text
    assert response.text == "httpdconf 1"


def test_str_is_configuration_and_repr_is_python():
    conf = DocumentRoot("/path/to/htdocs")
    assert str(conf) == "DocumentRoot /path/to/htdocs\n"
    assert repr(conf) == "DocumentRoot('/path/to/htdocs')"
    both = Container(CustomLog("logs/access_log combined"),
                     ErrorLog("logs/error_log"))
    assert str(both) == ("CustomLog logs/access_log combined\n"
                         "ErrorLog logs/error_log\n")
    assert repr(both) == ("Container(\n"
                          "    CustomLog('logs/access_log combined'),\n"
                          "    ErrorLog('logs/error_log'),\n"
                          ")")
    comment = Comment("\nThis is\na comment\n")
    assert str(comment) == "# \n# This is\n# a comment\n"
    assert repr(comment) == ("Comment('\\n'\n"
                             "        'This is\\n'\n"
                             "        'a comment\\n')")


def test_sections_indent_and_round_trip():
    conf = Container(
        Comment("generated"),
        IfModule("!mod_mime.c", Directive("LoadModule", "mime_module x.so")),
        VirtualHost("*", ServerName("a"),
                    Directory("C:\\www data", SetHandler("mod_python"))),
        Container(PythonOption("x 1"), only_if="1 + 1 == 2"),
        Container(PythonOption("y 1"), only_if="1 + 1 == 3"))
    assert str(conf) == (
        "# generated\n"
        "<IfModule !mod_mime.c>\n"
        "  LoadModule mime_module x.so\n"
        "</IfModule>\n"
        "<VirtualHost *>\n"
        "  ServerName a\n"
        "  <Directory C:/www data>\n"
        "    SetHandler mod_python\n"
        "  </Directory>\n"
        "</VirtualHost>\n"
        "PythonOption x 1\n")
    namespace = {}
    exec("from mod_python.httpdconf import *", namespace)
    assert str(eval(repr(conf), namespace)) == str(conf)


def test_python_and_format_strings_keep_their_backslashes():
    assert str(PythonPath(r"sys.path+['C:\\x']")) == \
        "PythonPath sys.path+['C:\\\\x']\n"
    assert str(LogFormat(r'"%h \"%r\"" common')) == \
        'LogFormat "%h \\"%r\\"" common\n'
    assert str(Directory("C:\\x")).startswith("<Directory C:/x>")


def test_only_if_sees_the_build_constants_3_5_kept():
    """3.5's test suite writes only_if="mod_python.version.HTTPD_VERSION
    [0:3] == '2.4'"; the constants come from the Apache found here."""
    conf = Container(PythonOption("on 24"),
                     only_if="mod_python.version.HTTPD_VERSION[0:3] "
                             "== '2.4'")
    assert str(conf) == "PythonOption on 24\n"
    assert str(Container(PythonOption("x"), only_if=(
        "os.path.isdir(mod_python.version.LIBEXECDIR)"))) == \
        "PythonOption x\n"


def test_append_refuses_what_cannot_render_and_subclasses_are_easy():
    with pytest.raises(TypeError):
        Container().append("PythonDebug On")

    class MyDirective(Directive):
        def __init__(self, val):
            Directive.__init__(self, self.__class__.__name__, val)

    assert str(MyDirective("foo")) == "MyDirective foo\n"
    assert isinstance(Directory("/x"), ContainerTag)
    assert "PythonInterpPerDirectory" in httpdconf.__all__
    assert str(httpdconf.PythonInterpPerDirectory()) == \
        "PythonInterpPerDirectory Off\n"


def test_write_basic_config_and_genconfig_script_make_a_valid_config(
        tmp_path):
    """3.5's create/genconfig pair: a Python script that prints a complete
    httpd.conf, which Apache accepts."""
    root = tmp_path / "site"
    script = httpdconf.write_basic_config(
        str(root), listen="127.0.0.1:%d" % free_port(),
        pythonhandler="hello", pythonpath=["/opt/lib"],
        pythonoptions=["answer 42"])
    assert script == str(root / "conf" / "httpd_conf.py")
    assert httpdconf.write_basic_config(str(root)) is None   # not replaced
    env = dict(os.environ, PYTHONPATH=str(REPO / "lib" / "python"))
    result = subprocess.run([str(REPO / "scripts" / "mod_python"),
                             "genconfig", script],
                            capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "PythonHandler hello\n" in text
    assert "PythonPath \"sys.path+['/opt/lib']\"\n" in text
    assert "PythonOption answer 42\n" in text
    assert "LoadModule python_module %s" % (REPO / "src" / "mod_python.so") \
        in text
    conf = root / "conf" / "httpd.conf"
    conf.write_text(text)
    from harness import apxs_query
    binary = os.path.join(apxs_query("SBINDIR"), apxs_query("PROGNAME"))
    check = subprocess.run([binary, "-t", "-f", str(conf)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
