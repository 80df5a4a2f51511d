"""The `mod_python` command: create, start, stop, restart, status,
genconfig, version (lib/python/mod_python/cli.py).

The command runs from the source tree through scripts/mod_python (and as
``python3 -m mod_python``) with the system Python, loading the freshly
built module.  As root, the "non-root user" test runs it as www-data with
runuser, in a directory that user owns.
"""

import os
import pwd
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from harness import (CRASH_PATTERNS, REPO, Httpd, built_module, free_port,
                     running_as_root)

sys.path.insert(0, str(REPO / "lib" / "python"))
from mod_python import cli as cli_module  # noqa: E402

LAUNCHER = REPO / "scripts" / "mod_python"
UNPRIVILEGED = "www-data"


def system_python():
    """A Python every user can run (pytest's may live under /root)."""
    for candidate in (os.environ.get("PYTHON_BIN"), "/usr/bin/python3"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def cli(*args, user=None, check=True, timeout=60):
    """Run `scripts/mod_python args...` (as user, via runuser)."""
    command = [str(LAUNCHER)] + [str(arg) for arg in args]
    if user:
        command = ["runuser", "-u", user, "--"] + command
    env = dict(os.environ, PYTHON=system_python())
    env.pop("PYTHONPATH", None)
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=timeout, env=env)
    if check:
        assert result.returncode == 0, (
            "%s failed (%d):\n%s%s" % (" ".join(command), result.returncode,
                                      result.stdout, result.stderr))
    return result


def get(port, path="/", **kwargs):
    return requests.get("http://127.0.0.1:%d%s" % (port, path), timeout=20,
                        **kwargs)


def pid_owner(pid):
    return pwd.getpwuid(os.stat("/proc/%d" % pid).st_uid).pw_name


def child_pids(parent):
    children = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                children.append(int(name))
    return children


@pytest.fixture
def workdir():
    """A temporary directory (owned by www-data when we are root)."""
    path = Path(tempfile.mkdtemp(prefix="mp-cli-", dir="/tmp"))
    os.chmod(path, 0o755)
    if running_as_root():
        entry = pwd.getpwnam(UNPRIVILEGED)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    yield path
    crashes = []
    for site in path.iterdir():
        if (site / "run" / "httpd.pid").exists():
            cli("stop", site, check=False)
        log = site / "logs" / "error_log"
        if log.is_file():
            crashes += [line for line in log.read_text(errors="replace")
                        .splitlines() if any(pattern in line
                                             for pattern in CRASH_PATTERNS)]
    if not os.environ.get("MP_TEST_KEEP"):
        subprocess.run(["rm", "-rf", str(path)])
    assert not crashes, "crashed children:\n" + "\n".join(crashes)


def create(site, port, *extra, user=None):
    return cli("create", site, "--listen", "127.0.0.1:%d" % port,
               "--module", built_module(), *extra, user=user)


# ------------------------------------------------------------ the issue

def test_create_and_start_serve_hello_world_as_a_non_root_user(workdir):
    user = UNPRIVILEGED if running_as_root() else None
    site, port = workdir / "site", free_port()
    created = create(site, port, user=user)
    assert "wrote" not in created.stdout
    assert (site / "htdocs" / "hello.py").read_text() == \
        cli_module.HELLO_HANDLER
    for sub in ("conf/httpd.conf", "htdocs/hello.py", "logs", "run"):
        assert (site / sub).exists(), sub
    started = cli("start", site, user=user)
    assert "serving http://127.0.0.1:%d/" % port in started.stdout
    try:
        response = get(port)
        assert (response.status_code, response.text) == (200, "Hello World!")
        assert response.headers["Content-Type"].startswith("text/plain")
        pid = int((site / "run" / "httpd.pid").read_text())
        me = pwd.getpwuid(os.geteuid()).pw_name
        assert pid_owner(pid) == (user or me)
        assert {pid_owner(child) for child in child_pids(pid)} == {user or me}
        assert cli("status", site, user=user).stdout.startswith(
            "mod_python: running (pid %d)" % pid)
    finally:
        stopped = cli("stop", site, user=user)
    assert stopped.stdout.startswith("mod_python: stopped")
    assert cli("status", site, user=user, check=False).returncode == 3
    with pytest.raises(requests.ConnectionError):
        get(port)


@pytest.mark.skipif(not running_as_root(), reason="needs root")
def test_started_as_root_the_children_run_as_www_data(workdir):
    site, port = workdir / "root-site", free_port()
    create(site, port)
    assert "MP_AS_ROOT" in (site / "conf" / "httpd.conf").read_text()
    cli("start", site)
    try:
        assert get(port).text == "Hello World!"
        pid = int((site / "run" / "httpd.pid").read_text())
        assert pid_owner(pid) == "root"
        children = child_pids(pid)
        assert children
        assert {pid_owner(child) for child in children} == {UNPRIVILEGED}
    finally:
        cli("stop", site)


# ------------------------------------------------------- create options

APP = '''\
from mod_python import apache
import helper

def show(req):
    req.content_type = "text/plain"
    options = req.get_options()
    req.write("%s|%s|%s" % (options.get("greeting"), options.get("b"),
                            helper.NAME))
    return apache.OK
'''


def test_handler_path_options_and_prefork(workdir):
    site, port = workdir / "options", free_port()
    lib = workdir / "lib"
    lib.mkdir()
    (lib / "helper.py").write_text('NAME = "helper"\n')
    create(site, port, "--mpm", "prefork", "--pythonhandler", "app::show",
           "--pythonpath", lib, "--pythonoption", "greeting=Bonjour tout",
           "--pythonoption", "b=x=y", "--debug")
    (site / "htdocs" / "app.py").write_text(APP)
    conf = (site / "conf" / "httpd.conf").read_text()
    assert "mod_mpm_prefork.so" in conf
    assert "PythonHandler app::show" in conf
    assert 'PythonOption "greeting" "Bonjour tout"' in conf
    assert "PythonPath \"sys.path + ['%s']\"" % lib in conf
    assert "PythonDebug On" in conf
    cli("start", site)
    try:
        response = get(port, "/any/path")
        assert response.text == "Bonjour tout|x=y|helper", response.text
        assert "mpm_prefork:notice" in (site / "logs" / "error_log").read_text()
    finally:
        cli("stop", site)


def test_htdocs_include_and_addhandler_serve_the_demo(workdir):
    """What scripts/demo.sh does: the tutorial examples of demo/."""
    site, port = workdir / "demo", free_port()
    create(site, port, "--htdocs", REPO / "demo" / "htdocs", "--addhandler",
           ".py", "--pythonhandler", "myscript", "--include",
           REPO / "scripts" / "demo.conf")
    cli("start", site)
    try:
        assert get(port, "/hello.py").text == "Hello World!"
        assert "Hello World! (from myscript::spam)" == get(
            port, "/spam/hello.py").text
        assert get(port, "/private/hello.py").status_code == 401
        assert get(port, "/private/hello.py",
                   auth=("spam", "eggs")).status_code == 200
        index = get(port, "/")       # AddHandler: static files stay static
        assert 'href="hello.py"' in index.text
    finally:
        cli("stop", site)


VERSIONED = '''\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("%s")
    return apache.OK
'''


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_htdocs_is_served_in_place(workdir, mpm):
    """Issue 18 item 4: edits to the user's files show at once."""
    app = workdir / "app"
    app.mkdir()
    script = app / "myscript.py"
    script.write_text(VERSIONED % "version 1")
    site, port = workdir / ("inplace-" + mpm), free_port()
    create(site, port, "--mpm", mpm, "--htdocs", app,
           "--pythonhandler", "myscript")
    assert 'DocumentRoot "%s"' % app in \
        (site / "conf" / "httpd.conf").read_text()
    assert not (site / "htdocs" / "myscript.py").exists()
    assert not (site / "htdocs" / "hello.py").exists()
    cli("start", site)
    try:
        assert get(port, "/x").text == "version 1"
        script.write_text(VERSIONED % "version 2")
        when = time.time() + 10
        os.utime(script, (when, when))
        assert get(port, "/x").text == "version 2"
    finally:
        cli("stop", site)


def test_copy_htdocs_serves_a_copy(workdir):
    app = workdir / "app"
    app.mkdir()
    (app / "myscript.py").write_text(VERSIONED % "copied")
    site, port = workdir / "copy", free_port()
    create(site, port, "--htdocs", app, "--copy-htdocs",
           "--pythonhandler", "myscript")
    assert (site / "htdocs" / "myscript.py").read_text() == \
        VERSIONED % "copied"
    assert 'DocumentRoot "%s"' % (site / "htdocs") in \
        (site / "conf" / "httpd.conf").read_text()


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_pythonhandler_gets_a_stub_of_its_module(workdir, mpm):
    """Issue 18 item 4: --pythonhandler myscript wrote hello.py, and the
    first request was a 500 (No module named 'myscript')."""
    site, port = workdir / ("stub-" + mpm), free_port()
    created = create(site, port, "--mpm", mpm,
                     "--pythonhandler", "myscript::main")
    stub = site / "htdocs" / "myscript.py"
    assert "wrote %s" % stub in created.stdout
    assert "def main(req):" in stub.read_text()
    assert not (site / "htdocs" / "hello.py").exists()
    started = cli("start", site)
    try:
        assert "GET / answered 200 OK" in started.stdout
        assert get(port, "/").text == "Hello World!"
    finally:
        cli("stop", site)


def test_no_stub_for_a_module_found_elsewhere(workdir):
    site = workdir / "nostub"
    create(site, free_port(), "--pythonhandler", "mod_python.publisher")
    assert sorted(os.listdir(site / "htdocs")) == []
    lib = workdir / "lib"
    lib.mkdir()
    (lib / "mine.py").write_text("")
    site = workdir / "nostub2"
    create(site, free_port(), "--pythonhandler", "mine",
           "--pythonpath", lib)
    assert sorted(os.listdir(site / "htdocs")) == []


# ------------------------------------------------- running the server

FAILING_HANDLER = """\
def handler(req):
    raise ValueError("the check request must report this")
"""


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_start_and_restart_report_a_500_and_exit_non_zero(workdir, mpm):
    """Issue 18 item 2: `start` said "serving" whatever GET / got."""
    site, port = workdir / ("fails-" + mpm), free_port()
    create(site, port, "--mpm", mpm)
    hello = site / "htdocs" / "hello.py"
    hello.write_text(FAILING_HANDLER)
    started = cli("start", site, check=False)
    try:
        assert started.returncode == 1, started.stdout + started.stderr
        assert "serving" not in started.stdout
        assert "GET / answered 500 Internal Server Error" in started.stderr
        assert "ValueError: the check request must report this" \
            in started.stderr
        assert "still running" in started.stderr
        assert cli("status", site).returncode == 0    # left running
        restarted = cli("restart", site, check=False)
        assert restarted.returncode == 1
        assert "GET / answered 500" in restarted.stderr
        hello.write_text(cli_module.HELLO_HANDLER)
        restarted = cli("restart", site)
        assert "GET / answered 200 OK" in restarted.stdout
    finally:
        cli("stop", site)


def test_start_reports_a_user_made_404_and_succeeds(workdir):
    """A 4xx the configuration chose (no index for / with --addhandler)
    is reported, not an error."""
    site, port = workdir / "notfound", free_port()
    create(site, port, "--addhandler", ".py")
    started = cli("start", site)
    try:
        assert "serving http://127.0.0.1:%d/" % port in started.stdout
        assert "GET / answered 40" in started.stdout
    finally:
        cli("stop", site)


@pytest.mark.skipif(not running_as_root(),
                    reason="needs root: the children must run as another "
                           "user than the one owning the site")
def test_start_reports_a_403_from_permissions_and_exits_non_zero(workdir):
    """A site under a directory the children's user cannot enter: 403,
    and the log line saying why."""
    private = workdir / "private"
    private.mkdir(mode=0o700)
    os.chown(private, 0, 0)
    site, port = private / "site", free_port()
    create(site, port)
    started = cli("start", site, check=False)
    try:
        assert started.returncode == 1, started.stdout + started.stderr
        assert "GET / answered 403 Forbidden; error log:" in started.stderr
        assert "search permissions are missing" in started.stderr \
            or "Permission denied" in started.stderr, started.stderr
    finally:
        cli("stop", site, check=False)
        os.chmod(private, 0o755)


def test_restart_and_graceful_keep_the_parent(workdir):
    site, port = workdir / "restart", free_port()
    create(site, port)
    cli("start", site)
    try:
        pid = int((site / "run" / "httpd.pid").read_text())
        (site / "htdocs" / "hello.py").write_text(
            cli_module.HELLO_HANDLER.replace("Hello World!", "Restarted!"))
        assert "restarted (pid %d)" % pid in cli("restart", site).stdout
        assert get(port).text == "Restarted!"
        cli("restart", site, "--graceful")
        assert int((site / "run" / "httpd.pid").read_text()) == pid
        assert get(port).text == "Restarted!"
    finally:
        cli("stop", site)
    # restart of a stopped server starts it
    assert "serving" in cli("restart", site).stdout
    cli("stop", site)


def test_foreground_stops_on_ctrl_c(workdir):
    site, port = workdir / "fg", free_port()
    create(site, port)
    env = dict(os.environ, PYTHON=system_python())
    server = subprocess.Popen([str(LAUNCHER), "start", str(site),
                               "--foreground"], env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not cli_module.answers("127.0.0.1", port):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "no answer in the foreground"
            time.sleep(0.1)
        assert get(port).text == "Hello World!"
        # the command became httpd itself (exec), so Ctrl-C reaches Apache
        assert int((site / "run" / "httpd.pid").read_text()) == server.pid
        os.killpg(server.pid, signal.SIGINT)
        assert server.wait(15) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert "in the foreground; Ctrl-C stops it" in server.stdout.read()


# ---------------------------------------------------------------- errors

def test_clear_errors(workdir):
    site, port = workdir / "errors", free_port()
    create(site, port)
    again = cli("create", site, check=False)
    assert again.returncode == 1
    assert "exists and is not empty (use --force" in again.stderr
    assert cli("stop", site).stdout.startswith("mod_python: not running")
    cli("start", site)
    try:
        twice = cli("start", site, check=False)
        assert twice.returncode == 1
        assert "already running (pid" in twice.stderr
        other, same_port = workdir / "other", port
        create(other, same_port)
        busy = cli("start", other, check=False)
        assert busy.returncode == 1
        assert "already answers on port %d" % port in busy.stderr
    finally:
        cli("stop", site)
    missing = cli("start", workdir / "nothing-here", check=False)
    assert missing.returncode == 1
    assert "not a server root made by `mod_python create`" in missing.stderr
    no_apache = cli("create", workdir / "x", "--httpd", "/nonexistent/httpd",
                    check=False)
    assert no_apache.returncode == 1
    assert "no Apache httpd at /nonexistent/httpd" in no_apache.stderr
    assert "apt-get install apache2" in no_apache.stderr
    bad = cli("create", workdir / "y", "--listen", "localhost:http",
              check=False)
    assert "expected [HOST:]PORT" in bad.stderr


def test_apache_not_installed_says_which_package(monkeypatch):
    monkeypatch.delenv("APXS", raising=False)   # `make test` sets it
    with pytest.raises(cli_module.CliError) as error:
        cli_module.find_apache(apxs_candidates=(), layouts=())
    assert "Apache httpd not found" in str(error.value)
    assert "apt-get install apache2" in str(error.value)


def test_start_failure_shows_apache_message(workdir):
    site, port = workdir / "broken", free_port()
    create(site, port)
    conf = site / "conf" / "httpd.conf"
    conf.write_text(conf.read_text() + "PythonNoSuchDirective On\n")
    result = cli("start", site, check=False)
    assert result.returncode == 1
    assert "Apache did not start" in result.stderr
    assert "PythonNoSuchDirective" in result.stderr


# ------------------------------------- beside another mod_python release

# Debian's libapache2-mod-python (3.5), unpacked by scripts/bench.sh
DEBIAN_35_MODULE = Path("/tmp/mp-bench-alternatives/usr/lib/apache2/"
                        "modules/mod_python.so")


@pytest.fixture
def old_modules_dir(workdir):
    """A module directory whose mod_python.so is 3.5's (Debian's when
    scripts/bench.sh unpacked it, else a file with 3.5's version token:
    the command reads nothing else)."""
    directory = workdir / "modules"
    directory.mkdir()
    target = directory / "mod_python.so"
    if DEBIAN_35_MODULE.is_file():
        target.write_bytes(DEBIAN_35_MODULE.read_bytes())
    else:
        target.write_bytes(b"\x7fELF...\0mod_python/3.5.0\0...")
    os.chmod(directory, 0o755)
    os.chmod(target, 0o755)
    return directory


def unbuilt_tree(workdir):
    """A copy of the package as in a source tree where make never ran."""
    tree = workdir / "tree"
    (tree / "src").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(REPO / "lib"), str(tree)], check=True)
    return tree


def test_create_in_an_unbuilt_tree_refuses_an_installed_old_module(
        workdir, old_modules_dir):
    tree = unbuilt_tree(workdir)
    site = workdir / "site"
    env = dict(os.environ, PYTHONPATH=str(tree / "lib" / "python"))
    result = subprocess.run(
        [system_python(), "-m", "mod_python", "create", str(site),
         "--modules-dir", str(old_modules_dir)],
        capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr
    assert "%s is mod_python 3.5" % (old_modules_dir / "mod_python.so") \
        in message
    assert "must be the same release" in message
    assert "./configure && make" in message
    assert "apt-get remove libapache2-mod-python" in message
    assert not (site / "conf" / "httpd.conf").exists()


def test_an_old_module_given_or_installed_later_is_refused(
        workdir, old_modules_dir):
    old = old_modules_dir / "mod_python.so"
    given = cli("create", workdir / "given", "--module", old, check=False)
    assert given.returncode == 1
    assert "is mod_python 3.5" in given.stderr
    assert "pass --module PATH to a mod_python.so of release" in given.stderr
    # a site made with the right module, whose module is then replaced
    site, port = workdir / "replaced", free_port()
    create(site, port)
    settings_file = site / "conf" / "mod_python.json"
    settings_file.write_text(settings_file.read_text().replace(
        str(built_module()), str(old)))
    start = cli("start", site, check=False)
    assert start.returncode == 1
    assert "is mod_python 3.5" in start.stderr
    assert not (site / "run" / "httpd.pid").exists()
    version = cli("version", "--module", old).stdout
    assert "another release than this package" in version
    # genconfig prints what it is told, with a warning
    snippet = cli("genconfig", "--module", old)
    assert 'LoadModule python_module "%s"' % old in snippet.stdout
    assert "warning: %s is mod_python 3.5" % old in snippet.stderr


# ------------------------------------------------- genconfig, version

def test_genconfig_is_valid_configuration():
    result = cli("genconfig", "--directory", "/srv/python-app",
                 "--pythonhandler", "app::handler", "--pythonoption", "a=b",
                 "--module", built_module())
    lines = result.stdout.splitlines()
    assert 'LoadModule python_module "%s"' % built_module() in lines
    assert '<Directory "/srv/python-app">' in lines
    assert "    AddHandler mod_python .py" in lines
    assert "    PythonHandler app::handler" in lines
    server = Httpd("event")
    try:
        # the harness loads the module itself: check the rest
        body = "\n".join(line for line in lines
                         if not line.startswith("LoadModule"))
        returncode, output = server.config_test(body)
    finally:
        server.cleanup()
    assert returncode == 0, output


def test_genconfig_in_the_tree_says_the_module_is_the_build():
    """Issue 18 item 8: the LoadModule line names src/mod_python.so."""
    result = cli("genconfig")
    lines = result.stdout.splitlines()
    assert 'LoadModule python_module "%s"' % (REPO / "src" /
                                              "mod_python.so") in lines
    assert "# This is the module built in the source tree %s;" % REPO \
        in lines
    assert any(line.startswith("# `make install` installs it as")
               for line in lines), lines
    # an explicit --module is written as given, without the remark
    given = cli("genconfig", "--module", built_module()).stdout
    assert "built in the source tree" not in given


def test_version_names_package_module_apache_and_python():
    import mod_python
    out = cli("version", "--module", built_module()).stdout
    assert out.startswith("mod_python %s (package %s)" % (
        mod_python.version, REPO / "lib" / "python" / "mod_python"))
    assert re.search(r"^module: %s \(mod_python/\d+\.\d+\.\d+\)$"
                     % re.escape(str(built_module())), out, re.M), out
    assert re.search(r"^Apache: Apache/2\.4\.\d+ ", out, re.M), out
    assert re.search(r"^Python: 3\.\d+", out, re.M), out


def test_python_dash_m_mod_python():
    env = dict(os.environ, PYTHONPATH=str(REPO / "lib" / "python"))
    result = subprocess.run([system_python(), "-m", "mod_python", "--help"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: mod_python ")
    for command in ("create", "start", "stop", "restart", "genconfig",
                    "version"):
        assert command in result.stdout


def test_manual_shows_the_hello_handler_create_writes():
    """Doc/cli.rst prints hello.py; test_docs.py runs that copy."""
    from test_docs import literal_blocks
    blocks = [block.text for block in literal_blocks(REPO / "Doc" / "cli.rst")]
    assert cli_module.HELLO_HANDLER in blocks
