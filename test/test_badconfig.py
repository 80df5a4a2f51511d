"""Bad configuration (Doc/reliability.rst).

* Every directive of the command table in src/config.c, given wrong
  arguments, is refused by `apache2 -t` with a message naming it (the
  table is read from the source, so a new directive without cases here
  fails test_every_directive_has_bad_argument_cases).  test_config_errors
  covers directives in the wrong context.
* Handler modules that fail to import in unusual ways (sys.exit,
  KeyboardInterrupt, MemoryError, endless recursion, undecodable source,
  NUL bytes, a failing package, a handler that is not callable) give a
  500 with a clear error-log line, and the child serves the next request
  (test_debug covers syntax errors, import errors and missing modules or
  objects).
* A PythonPath that is not sys.path and lists of strings joined by + is
  refused when the configuration is read (src/pythonpath.c), with where
  it went wrong; the forms mod_python 3.5's suite and the manual use are
  accepted.
* A PythonImport that fails is logged, and the server still serves.
"""

import re

import pytest

from harness import CRASH_PATTERNS, REPO, Httpd

# ------------------------------------------------------ apache2 -t

PHASE_BAD = ["", "1bad", "mod::", "::obj", "a..b", "mod::obj::more",
             "mod |", "mod | py", "mod-name", "mod/path"]
# (Apache's core parses On/Off directives and ignores extra words)
FLAG_BAD = ["maybe", "", "1", "yes"]

BAD_ARGUMENTS = {
    "PythonHandlerModule": ["", "a::b", "1mod", "two words", "a.b::c"],
    "PythonInterpreter": ["", '""', "two words"],
    "PythonInterpreterGIL": ["", "maybe", "1", "own shared", "separate"],
    "PythonPath": ["", '""', "two words"],
    "PythonOption": ["", "a b c"],
    "PythonImport": ["", "mod", "mod interp extra", "1mod interp",
                     "mod:: interp", "::function interp", 'mod ""',
                     "../mod interp"],
    "PythonOptimize": ["2", "", "yes"],
    "PythonOutputFilter": ["", "mod", "1mod NAME", "mod NAME extra",
                           'mod ""', "mod:: NAME"],
    "PythonInputFilter": ["", "mod", "1mod NAME", "mod NAME extra",
                          'mod ""', "mod:: NAME"],
    "PythonConnectionHandler": ["", "1mod", "two words", "mod::"],
}
SERVER_ONLY = {"PythonPostReadRequestHandler", "PythonTransHandler",
               "PythonImport", "PythonOptimize", "PythonOutputFilter",
               "PythonInputFilter", "PythonConnectionHandler"}


def command_table():
    """{directive: kind} from mp_python_commands[] in src/config.c."""
    source = (REPO / "src" / "config.c").read_text()
    table = source[source.index("python_commands[] = {"):]
    table = table[:table.index("{NULL}")]
    found = {}
    for kind, name in re.findall(r"(PHASE_DIRECTIVE|DIR_FLAG|AP_INIT_\w+)"
                                 r"\(\s*\"(\w+)\"", table):
        found[name] = kind
    return found


def bad_cases():
    cases = []
    for name, kind in sorted(command_table().items()):
        if kind == "PHASE_DIRECTIVE":
            arguments = PHASE_BAD
        elif kind == "DIR_FLAG":
            arguments = FLAG_BAD
        else:
            arguments = BAD_ARGUMENTS.get(name, [])
        cases += [(name, argument) for argument in arguments]
    return cases


def test_every_directive_has_bad_argument_cases():
    table = command_table()
    assert len(table) >= 25, table
    covered = {name for name, _ in bad_cases()}
    assert covered == set(table), "no bad-argument cases for %s" % (
        sorted(set(table) - covered))


@pytest.fixture(scope="module")
def prepared():
    """A server that is never started: only used for apache2 -t."""
    server = Httpd("event", name="mp-badconf")
    yield server
    server.cleanup()


def in_context(name, line):
    if name in SERVER_ONLY:
        return line
    return "<Directory {htdocs}>\n    %s\n</Directory>" % line


@pytest.mark.parametrize("name, argument", bad_cases(),
                         ids=["%s-%s" % case for case in bad_cases()])
def test_bad_argument_is_refused_naming_the_directive(prepared, name,
                                                      argument):
    returncode, output = prepared.config_test(
        in_context(name, ("%s %s" % (name, argument)).rstrip()))
    assert returncode != 0, "apache2 -t accepted %s %s" % (name, argument)
    assert name in output, output


# The messages Doc/directives.rst quotes, word for word.
DOCUMENTED_MESSAGES = [
    ("PythonHandler", "PythonHandler needs at least one handler "
     "(module[::object])"),
    ("PythonHandler my-module", "PythonHandler: 'my-module' is not a "
     "handler (expected module[::object])"),
    ("PythonFixupHandler my-module", "PythonFixupHandler: 'my-module' is "
     "not a handler (expected module[::object])"),
    ("PythonHandler mod |", "PythonHandler: expected file extensions "
     "after |"),
    ("PythonHandler mod | py", "PythonHandler: 'py' is not a file "
     "extension (expected .ext after |)"),
    ("PythonHandlerModule a::b", "PythonHandlerModule: 'a::b' is not a "
     "module name"),
    ("PythonDebug maybe", "PythonDebug must be On or Off"),
    ("PythonInterpreter", "PythonInterpreter takes one argument, the name "
     "of the Python interpreter to use"),
    ('PythonPath "sys.path + * [\'/x\']"', "PythonPath sys.path + * "
     "['/x']: expected sys.path or a [list of strings] at \"* ['/x']\" "
     "(character 12); a PythonPath is sys.path and lists of strings joined "
     "by +, e.g. PythonPath \"sys.path+['/mydir']\""),
    ('PythonPath ""', "PythonPath takes one argument, a Python expression "
     "giving sys.path, e.g. \"sys.path+['/mydir']\""),
    ("PythonOption a b c", "PythonOption takes 1-2 arguments, a key and "
     "value for req.get_options()"),
    ("PythonImport mod", "PythonImport takes two arguments, a module to "
     "import at child start, and the interpreter"),
    ("PythonImport a:: interp", "PythonImport: 'a::' is not a module name "
     "(expected module or module::function)"),
    ("PythonOutputFilter x-y NAME", "PythonOutputFilter: 'x-y' is not a "
     "handler (expected module[::object])"),
    ("PythonOutputFilter mod", "PythonOutputFilter takes two arguments, "),
    ("PythonConnectionHandler x-y", "PythonConnectionHandler: 'x-y' is not "
     "a handler (expected module[::object])"),
]


@pytest.mark.parametrize("line, message", DOCUMENTED_MESSAGES,
                         ids=[line for line, _ in DOCUMENTED_MESSAGES])
def test_refusal_message_is_the_one_the_manual_quotes(prepared, line,
                                                      message):
    returncode, output = prepared.config_test(
        in_context(line.split()[0], line))
    assert returncode != 0
    assert "AH00526: Syntax error on line" in output, output
    assert message in output, output


@pytest.mark.parametrize("expression", ['"sys.path+["', '"sys.path +"',
                                        "\"['/a' '/b'\""])
def test_python_path_that_is_not_an_expression_is_refused(prepared,
                                                          expression):
    returncode, output = prepared.config_test(
        in_context("PythonPath", "PythonPath " + expression))
    assert returncode != 0 and "PythonPath" in output, output


BAD_PYTHON_PATHS = [
    ('"sys.path + * [\'/x\']"', "expected sys.path or a [list of strings]"),
    ('"42"', "expected sys.path or a [list of strings]"),
    ('"sys.path + [os.path.dirname(\'/x\')]"', "expected a string"),
    ('"sys.path.append(\'/x\')"', "expected sys.path or a [list of"),
    ('"sys.path + [\'/a\' \'/b\']"', "expected ',' or ']'"),
    ('"sys.path + [b\'/x\']"', "expected a string"),
    ('"sys.path + [f\'/x\']"', "expected a string"),
    ('"/srv/app"', "expected sys.path or a [list of strings]"),
    ('"sys.path + \'/x\'"', "expected sys.path or a [list of strings]"),
    ('"sys.path [\'/x\']"', "expected '+'"),
    ('"[\'/x]"', "unterminated string"),
    ('"sys.path + [\'\'\'/x\'\'\']"', "triple-quoted"),
    ('"__import__(\'os\').system(\'id\')"', "expected sys.path"),
]
GOOD_PYTHON_PATHS = [
    '"sys.path+[\'/x\']"',
    '"sys.path + [\'/a\', \'/b\',]"',
    '"[\'/x\'] + sys.path"',
    '"[r\'/x\']+sys.path"',                 # mod_python 3.5's test suite
    '"sys.path + [\\"/with \\\\\\" quote\\"]"',
    '"sys.path"',
    '"[]"',
    '"(sys.path + [\'/a\']) + [u\'/b\']"',
    "sys.path+['/unquoted']",
]


@pytest.mark.parametrize("expression, problem", BAD_PYTHON_PATHS,
                         ids=[e for e, _ in BAD_PYTHON_PATHS])
def test_python_path_is_checked_when_the_configuration_is_read(
        prepared, expression, problem):
    """Issue 18 item 6: these were accepted and failed every request."""
    returncode, output = prepared.config_test(
        in_context("PythonPath", "PythonPath " + expression))
    assert returncode != 0, "apache2 -t accepted PythonPath %s" % expression
    assert "PythonPath" in output and problem in output, output
    assert "lists of strings joined by +" in output, output


@pytest.mark.parametrize("expression", GOOD_PYTHON_PATHS)
def test_python_path_forms_in_use_are_accepted(prepared, expression):
    returncode, output = prepared.config_test(
        in_context("PythonPath", "PythonPath " + expression))
    assert returncode == 0, output


def test_good_arguments_are_accepted(prepared):
    """The same directives, right: so the refusals above are about the
    arguments."""
    body = """
PythonImport mod some_interpreter
PythonOptimize Off
PythonOutputFilter mod::f GOODOUT
PythonInputFilter mod GOODIN
PythonPostReadRequestHandler pkg.mod::obj.attr
<Directory {htdocs}>
    PythonHandler mod mod2::x | .py .pyx
    PythonHandlerModule pkg.mod
    PythonInterpreter name
    PythonPath "sys.path+['/x']"
    PythonOption key value
    PythonOption key
    PythonDebug On
    PythonAutoReload Off
    PythonInterpPerDirectory Off
    PythonInterpPerDirective Off
    PythonEnablePdb Off
</Directory>
"""
    returncode, output = prepared.config_test(body)
    assert returncode == 0, output


# ------------------------------------------------------- at run time

CONFIG = """
<VirtualHost *:{port}>
    ServerName badconf.test
    DocumentRoot {htdocs}/reliability/bad
    PythonPath "sys.path+['{htdocs}/reliability/bad']"
    <Location />
        SetHandler mod_python
        PythonHandler fine
    </Location>
    <Location /exit>
        PythonHandler exits_at_import
    </Location>
    <Location /interrupt>
        PythonHandler interrupt_at_import
    </Location>
    <Location /recursion>
        PythonHandler recursion_at_import
    </Location>
    <Location /memory>
        PythonHandler memory_at_import
    </Location>
    <Location /latin1>
        PythonHandler latin1_source
    </Location>
    <Location /nul>
        PythonHandler nul_source
    </Location>
    <Location /package>
        PythonHandler broken_package.sub
    </Location>
    <Location /notcallable>
        PythonHandler not_callable
    </Location>
    <Location /exit-in-handler>
        PythonHandler exits_in_handler
    </Location>
</VirtualHost>
"""
HOST = "badconf.test"

FAILURES = [
    ("/exit", ["exits_at_import", "SystemExit"]),
    ("/interrupt", ["interrupt_at_import", "KeyboardInterrupt"]),
    ("/recursion", ["recursion_at_import", "RecursionError"]),
    ("/memory", ["memory_at_import", "MemoryError"]),
    ("/latin1", ["latin1_source", "SyntaxError"]),
    ("/nul", ["nul_source", "null bytes"]),
    ("/package", ["broken_package", "cannot be initialised"]),
    ("/notcallable", ["not_callable", "not callable"]),
    ("/exit-in-handler", ["exits_in_handler", "SystemExit"]),
]


@pytest.mark.parametrize("path, expected", FAILURES,
                         ids=[path.strip("/") for path, _ in FAILURES])
def test_failing_handler_module_is_a_500_with_a_clear_log_line(
        httpd, path, expected):
    offset = httpd.error_log_size()
    response = httpd.get(path, host=HOST)
    assert response.status_code == 500
    log = httpd.wait_for_log(expected[-1], since=offset)
    for text in expected:
        assert text in log, "%r not in the error log:\n%s" % (text,
                                                               log[-3000:])
    for _ in range(3):
        again = httpd.get("/", host=HOST)
        assert (again.status_code, again.text) == (200, "fine")
    crashes = [line for line in httpd.error_log_since(offset).splitlines()
               if any(pattern in line for pattern in CRASH_PATTERNS)]
    assert crashes == []


IMPORT_CONFIG = """
PythonImport no_such_module_for_badconfig badimport.test
PythonImport exits_at_import badimport.test
PythonImport recursion_at_import badimport.test
<VirtualHost *:{port}>
    ServerName badimport.test
    DocumentRoot {htdocs}/reliability/bad
    <Location />
        SetHandler mod_python
        PythonHandler fine
    </Location>
</VirtualHost>
"""


def test_failing_python_import_is_logged_and_the_server_serves(mpm,
                                                                request):
    server = Httpd(mpm, IMPORT_CONFIG, name="mp-badimport",
                   extra_pythonpath=["reliability/bad"])
    request.node.mp_server, request.node.mp_log_offset = server, 0
    try:
        server.start()
        for _ in range(3):
            response = server.get("/", host="badimport.test")
            assert (response.status_code, response.text) == (200, "fine")
        log = server.wait_for_log("PythonImport recursion_at_import")
    finally:
        server.stop()
    for module in ("no_such_module_for_badconfig", "exits_at_import",
                   "recursion_at_import"):
        assert "PythonImport %s badimport.test failed" % module in log, \
            log[-3000:]
    assert server.crash_lines() == []
    server.cleanup()
