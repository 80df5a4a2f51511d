"""PythonInterpreterGIL: named interpreters with a GIL of their own
(Python >= 3.12; Doc/interpreters.rst).

The server of this module runs the event MPM with ONE child process, so
that two requests are two threads of one process: the only way their
Python code can run at the same moment is two interpreters with two GILs.
What the tests expect depends on the Python mod_python embeds (asked over
HTTP): from 3.12 on, ``own`` interpreters run in parallel, are created
with CPython's own-GIL configuration, and refuse single-phase extension
modules with an ImportError that names ``PythonInterpreterGIL shared``;
on 3.11 the directive is accepted, changes nothing, and says so once in
the log (MP11001).
"""

import subprocess
import threading
import time

import pytest

from harness import Httpd

ONE_PROCESS = """
ServerLimit 1
StartServers 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
"""

LOCATION = """
    <Location /{name}>
        PythonInterpreter gil_{name}
{extra}        PythonOption gil.flags {{var}}/{flags}.flags
    </Location>"""

CONFIG = ONE_PROCESS + """
<VirtualHost *:{port}>
    ServerName gil.test
    SetHandler mod_python
    PythonHandler gilapp
    PythonPath "sys.path+['{htdocs}/gil']"
    PythonOption gil.extdir {var}/ext
    <Directory {htdocs}/gil/htaccess>
        AllowOverride All
        SetHandler None
    </Directory>
""" + "".join(
    LOCATION.format(name=name, flags=flags, extra=(
        "        PythonInterpreterGIL %s\n" % gil if gil else ""))
    for name, gil, flags in (("own_a", "own", "own"), ("own_b", "own", "own"),
                             ("shared_a", "shared", "shared"),
                             ("shared_b", "shared", "shared"),
                             ("default_a", None, "default"),
                             ("default_b", None, "default"))) + """
    # one interpreter name, two sections asking for different GILs: not
    # visible at config time (the name is set in the outer section)
    <Location /mixed>
        PythonInterpreter gil_mixed
    </Location>
    <Location /mixed/own>
        PythonInterpreterGIL own
    </Location>
    <Location /mixed/shared>
        PythonInterpreterGIL shared
    </Location>
</VirtualHost>
"""

HOST = "gil.test"

SINGLE_PHASE_SOURCE = r"""
#include <Python.h>

/* single-phase initialisation: m_size -1, PyModule_Create in PyInit */
static struct PyModuleDef singlephase = {
    PyModuleDef_HEAD_INIT, "singlephase", NULL, -1, NULL
};

PyMODINIT_FUNC PyInit_singlephase(void)
{
    PyObject *module = PyModule_Create(&singlephase);

    if (module != NULL && PyModule_AddIntConstant(module, "answer", 42) < 0) {
        Py_CLEAR(module);
    }
    return module;
}
"""


@pytest.fixture(scope="module")
def server():
    server = Httpd("event", CONFIG, name="mp-gil")
    try:
        server.start()
        yield server
        assert server.crash_lines() == []
    finally:
        server.stop()
        server.cleanup()


def get(server, path):
    response = server.get(path, host=HOST, timeout=60)
    assert response.status_code == 200, (path, response.text)
    return response


@pytest.fixture(scope="module")
def facts(server):
    """The embedded Python's version, include directory and suffix."""
    return get(server, "/default_a/info").json()


def own_gil_supported(facts):
    return tuple(facts["version"]) >= (3, 12)


def reset_flags(server, name):
    path = server.var / ("%s.flags" % name)
    path.write_bytes(b"\0\0")
    path.chmod(0o666)
    return path


def spin_pair(server, first, second, flags):
    """first spins holding its GIL until second, in another interpreter,
    raises a flag; returns first's answer: "overlap" or "alone"."""
    path = reset_flags(server, flags)
    get(server, "/%s/info" % first)       # both interpreters exist before
    get(server, "/%s/info" % second)
    answers = {}

    def run_first():
        answers["first"] = get(server, "/%s/first?3" % first).text

    thread = threading.Thread(target=run_first)
    thread.start()
    deadline = time.monotonic() + 30
    while path.read_bytes()[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.read_bytes()[0] == 1, "the first handler never started"
    assert get(server, "/%s/second" % second).text == "raised"
    thread.join(60)
    return answers["first"]


# ------------------------------------------------------------ config time

@pytest.fixture(scope="module")
def prepared():
    """A server that is never started: only used for apache2 -t."""
    server = Httpd("event", name="mp-gilconf")
    yield server
    server.cleanup()


@pytest.mark.parametrize("value", ["own", "shared", "OWN", "Shared"])
def test_directive_accepted_in_server_and_directory(prepared, value):
    body = ("PythonInterpreterGIL %s\n<Directory {htdocs}>\n"
            "    PythonInterpreterGIL %s\n</Directory>\n"
            "<Location /x>\n    PythonInterpreterGIL %s\n</Location>"
            % (value, value, value))
    returncode, output = prepared.config_test(body)
    assert returncode == 0, output


def test_bad_value_is_refused_naming_the_directive(prepared):
    returncode, output = prepared.config_test(
        "<Location /x>\n    PythonInterpreterGIL separate\n</Location>")
    assert returncode != 0
    assert "PythonInterpreterGIL takes 'own' or 'shared', not 'separate'" \
        in output, output


def test_not_in_htaccess(server):
    """It shapes an interpreter the whole process shares: an .htaccess
    file, which a directory's owner may write, cannot set it."""
    offset = server.error_log_size()
    response = server.get("/gil/htaccess/page.txt", host=HOST)
    assert response.status_code == 500
    assert "PythonInterpreterGIL not allowed here" in \
        server.error_log_since(offset)


def test_two_sections_disagreeing_about_one_name_are_refused(prepared):
    body = ("<Location /a>\n    PythonInterpreter app\n"
            "    PythonInterpreterGIL own\n</Location>\n"
            "<Location /b>\n    PythonInterpreterGIL shared\n"
            "    PythonInterpreter app\n</Location>")
    returncode, output = prepared.config_test(body)
    assert returncode != 0
    assert "PythonInterpreterGIL shared for interpreter 'app' contradicts " \
        "PythonInterpreterGIL own for it at " in output, output
    # agreeing sections are fine
    returncode, output = prepared.config_test(body.replace("shared", "own"))
    assert returncode == 0, output


def test_own_gil_for_the_main_interpreter_is_refused(prepared):
    returncode, output = prepared.config_test(
        "<Location /a>\n    PythonInterpreter main_interpreter\n"
        "    PythonInterpreterGIL own\n</Location>")
    assert returncode != 0
    assert "PythonInterpreterGIL own cannot apply to main_interpreter" \
        in output, output


# ---------------------------------------------------------------- run time

def test_interpreters_get_the_gil_the_directive_asks_for(server, facts):
    if facts["gil"] is None:
        pytest.skip("the embedded Python %s has no _interpreters module to "
                    "ask (it came with 3.13)" % (facts["version"],))
    assert get(server, "/own_a/info").json()["gil"] == "own"
    assert get(server, "/own_b/info").json()["gil"] == "own"
    assert get(server, "/shared_a/info").json()["gil"] == "shared"
    # the default is a shared GIL
    assert get(server, "/default_a/info").json()["gil"] == "shared"


def test_own_gil_interpreters_run_python_at_the_same_moment(server, facts):
    answer = spin_pair(server, "own_a", "own_b", "own")
    if own_gil_supported(facts):
        assert answer == "overlap"
    else:
        assert answer == "alone"        # 3.11: the directive changes nothing


def test_shared_gil_interpreters_take_turns(server):
    """The control of the test above: same handlers, one GIL."""
    assert spin_pair(server, "shared_a", "shared_b", "shared") == "alone"
    assert spin_pair(server, "default_a", "default_b", "default") == "alone"


@pytest.fixture(scope="module")
def single_phase_module(server, facts):
    """singlephase<suffix>, a single-phase C extension module, built with
    the embedded Python's headers into {var}/ext."""
    extdir = server.var / "ext"
    extdir.mkdir(exist_ok=True)
    source = extdir / "singlephase.c"
    source.write_text(SINGLE_PHASE_SOURCE)
    target = extdir / ("singlephase" + facts["suffix"])
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1",
                    "-I" + facts["include"], "-o", str(target), str(source)],
                   check=True)
    extdir.chmod(0o755)
    target.chmod(0o755)
    return target


def test_single_phase_extension_in_own_gil_interpreter(server, facts,
                                                       single_phase_module):
    text = get(server, "/own_a/import").text
    if not own_gil_supported(facts):
        assert text == "answer 42"
        return
    assert text.startswith("ImportError: module singlephase does not "
                           "support loading in subinterpreters"), text
    assert "PythonInterpreterGIL shared" in text, text
    # asking again gives the same answer (nothing half-imported is left)
    assert get(server, "/own_a/import").text == text


def test_single_phase_extension_in_shared_gil_interpreter(
        server, single_phase_module):
    assert get(server, "/shared_a/import").text == "answer 42"
    assert get(server, "/default_b/import").text == "answer 42"


def test_first_creation_decides_and_a_different_wish_is_logged_once(
        server, facts):
    offset = server.error_log_size()
    first = get(server, "/mixed/own/info").json()
    get(server, "/mixed/shared/info")
    again = get(server, "/mixed/shared/info").json()
    assert again["interpreter"] == first["interpreter"] == "gil_mixed"
    log = server.error_log_since(offset)
    warnings = [line for line in log.splitlines() if "MP11003" in line]
    if not own_gil_supported(facts):
        assert warnings == []
        return
    if facts["gil"] is not None:
        assert first["gil"] == again["gil"] == "own"
    assert len(warnings) == 1, log
    assert ("interpreter 'gil_mixed' was created with its own GIL; "
            "PythonInterpreterGIL shared here has no effect") in warnings[0]


def test_no_effect_before_312_is_logged_once(server, facts):
    lines = [line for line in server.error_log().splitlines()
             if "MP11001" in line]
    if own_gil_supported(facts):
        assert lines == []
    else:
        assert len(lines) == 1, lines
        assert "PythonInterpreterGIL has no effect with Python 3.11" \
            in lines[0]
