"""Directives in the wrong context or with bad arguments fail `apache2 -t`."""

import pytest

from harness import Httpd

SERVER_ONLY = [
    "PythonPostReadRequestHandler myhandler",
    "PythonTransHandler myhandler",
    "PythonImport mymodule main_interpreter",
    "PythonOptimize On",
]

SECTIONS = [
    "<Directory {htdocs}>\n    %s\n</Directory>",
    "<Location /somewhere>\n    %s\n</Location>",
]


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


@pytest.mark.parametrize("directive", SERVER_ONLY[:2],
                         ids=[d.split()[0] for d in SERVER_ONLY[:2]])
def test_phase_directive_accepted_in_virtual_host(server, directive):
    body = "<VirtualHost *:{port}>\n    ServerName v.test\n    %s\n" \
           "</VirtualHost>" % directive
    returncode, output = server.config_test(body)
    assert returncode == 0, output


@pytest.mark.parametrize("section", SECTIONS, ids=["Directory", "Location"])
@pytest.mark.parametrize("directive", SERVER_ONLY,
                         ids=[d.split()[0] for d in SERVER_ONLY])
def test_server_only_directive_refused_in_section(server, directive, section):
    returncode, output = server.config_test(section % directive)
    name = directive.split()[0]
    assert returncode != 0, "apache2 -t accepted %s in %s" % (
        name, section.split(None, 1)[0])
    assert name in output, output


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
