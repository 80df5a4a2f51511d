"""Directives in the wrong context or with bad arguments fail `apache2 -t`."""

import pytest

from harness import Httpd

SERVER_ONLY = [
    "PythonPostReadRequestHandler myhandler",
    "PythonTransHandler myhandler",
    "PythonImport mymodule main_interpreter",
    "PythonOptimize On",
    "PythonOutputFilter myfilter MYOUT",
    "PythonInputFilter myfilter MYIN",
    "PythonConnectionHandler myconnection",
]

SECTIONS = [
    "<Directory {htdocs}>\n    %s\n</Directory>",
    "<Location /somewhere>\n    %s\n</Location>",
    "<Files page.py>\n    %s\n</Files>",
    "<DirectoryMatch \"^/x\">\n    %s\n</DirectoryMatch>",
]
VIRTUAL_HOST = "<VirtualHost *:{port}>\n    ServerName v.test\n    %s\n" \
               "</VirtualHost>"


@pytest.fixture(scope="module")
def server(mpm):
    """A prepared but never started server: only used for apache2 -t."""
    prepared = Httpd(mpm)
    yield prepared
    prepared.cleanup()


@pytest.mark.parametrize("directive", SERVER_ONLY,
                         ids=[d.split()[0] for d in SERVER_ONLY])
def test_server_only_directive_accepted_at_server_level(server, directive):
    returncode, output = server.config_test(directive)
    assert returncode == 0, output


IN_VIRTUAL_HOST = [d for d in SERVER_ONLY if not d.startswith("PythonOptim")]


@pytest.mark.parametrize("directive", IN_VIRTUAL_HOST,
                         ids=[d.split()[0] for d in IN_VIRTUAL_HOST])
def test_directive_accepted_in_virtual_host(server, directive):
    returncode, output = server.config_test(VIRTUAL_HOST % directive)
    assert returncode == 0, output


def test_python_optimize_refused_in_virtual_host(server):
    """It applies to the whole process (Doc/directives.rst)."""
    returncode, output = server.config_test(VIRTUAL_HOST
                                            % "PythonOptimize On")
    assert returncode != 0
    assert "PythonOptimize cannot occur within <VirtualHost> section" \
        in output, output


@pytest.mark.parametrize("section", SECTIONS, ids=["Directory", "Location",
                                              "Files", "DirectoryMatch"])
@pytest.mark.parametrize("directive", SERVER_ONLY,
                         ids=[d.split()[0] for d in SERVER_ONLY])
def test_server_only_directive_refused_in_section(server, directive, section):
    returncode, output = server.config_test(section % directive)
    name = directive.split()[0]
    assert returncode != 0, "apache2 -t accepted %s in %s" % (
        name, section.split(None, 1)[0])
    kind = section.split(None, 1)[0].lstrip("<")
    assert "%s not allowed in <%s> context" % (name, kind) in output, output


BAD_ARGUMENTS = [
    "PythonDebug maybe",
    "PythonAutoReload sometimes",
    "PythonInterpPerDirectory yes-please",
    "PythonInterpreter",
    "PythonHandler",
]
BAD_SERVER_ARGUMENTS = [
    "PythonOptimize 2",
    "PythonImport only_a_module",
]


@pytest.mark.parametrize("directive", BAD_ARGUMENTS + BAD_SERVER_ARGUMENTS)
def test_bad_argument_refused(server, directive):
    body = directive
    if directive in BAD_ARGUMENTS:
        body = "<Directory {htdocs}>\n    %s\n</Directory>" % directive
    returncode, output = server.config_test(body)
    name = directive.split()[0]
    assert returncode != 0, "apache2 -t accepted %r" % directive
    assert name in output, output
