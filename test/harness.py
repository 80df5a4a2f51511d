"""Run a real Apache httpd with mod_python for the tests and the demo.

``Httpd(mpm, config_body)`` prepares a private server root in a temporary
directory under /tmp (world-readable, so that children running as www-data
can read it), copies the freshly built ``src/mod_python.so``, the in-tree
``lib/python`` and a document tree into it, writes an ``httpd.conf`` and runs
Debian's ``apache2`` (found through ``apxs -q``) in the foreground on a free
127.0.0.1 port.  ``config_body`` may use the placeholders ``{tmp}``,
``{htdocs}``, ``{var}`` and ``{port}``.

Typical use::

    server = Httpd("event", body).start()
    try:
        response = server.get("/hello.py", host="tutorial.test")
    finally:
        server.stop()
"""

import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_HTDOCS = Path(__file__).resolve().parent / "htdocs"
MPMS = ("prefork", "event")

# Modules loaded besides the MPM (all shipped with Debian's apache2).
STANDARD_MODULES = (
    ("authn_core_module", "mod_authn_core.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authz_host_module", "mod_authz_host.so"),
    ("authz_user_module", "mod_authz_user.so"),
    ("auth_basic_module", "mod_auth_basic.so"),
    ("mime_module", "mod_mime.so"),
    ("dir_module", "mod_dir.so"),
    ("alias_module", "mod_alias.so"),
    ("env_module", "mod_env.so"),
    ("headers_module", "mod_headers.so"),
)

MPM_SETTINGS = {
    "prefork": """\
StartServers 2
MinSpareServers 2
MaxSpareServers 5
MaxRequestWorkers 10
""",
    "event": """\
StartServers 2
ServerLimit 4
ThreadsPerChild 10
MaxRequestWorkers 40
MinSpareThreads 10
MaxSpareThreads 30
""",
}

# Error-log lines that mean a child died badly or would not stop.
CRASH_PATTERNS = ("exit signal", "Segmentation fault", "AH00052",
                  "still did not exit")

# Logged by the parent each time a (re)started generation is ready.
READY_LINE = "resuming normal operations"


class HarnessError(RuntimeError):
    """The server could not be prepared, started or stopped."""


@functools.lru_cache(maxsize=None)
def apxs_query(variable):
    apxs = shutil.which("apxs") or shutil.which("apxs2") or "/usr/bin/apxs"
    try:
        return subprocess.run([apxs, "-q", variable], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise HarnessError("cannot run %s -q %s (install apache2-dev): %s"
                           % (apxs, variable, exc)) from exc


def httpd_binary():
    return os.path.join(apxs_query("SBINDIR"), apxs_query("PROGNAME"))


def modules_dir():
    return apxs_query("LIBEXECDIR")


def built_module():
    """Path of the mod_python.so to test (MP_MODULE overrides)."""
    path = Path(os.environ.get("MP_MODULE", REPO / "src" / "mod_python.so"))
    if not path.is_file():
        raise HarnessError("%s is missing: run make first" % path)
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running_as_root():
    return os.geteuid() == 0


def _make_world_readable(top):
    for root, dirs, files in os.walk(top):
        os.chmod(root, 0o755)
        for name in files:
            path = os.path.join(root, name)
            os.chmod(path, os.stat(path).st_mode | 0o444)


def _process_state(pid):
    """The one-letter state of pid from /proc, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def rss_kib(pid):
    """VmRSS of pid in KiB, from /proc/<pid>/status."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise HarnessError("no VmRSS for pid %d" % pid)


class Httpd:
    """A private Apache httpd loading the built mod_python.

    mpm: "prefork" or "event" (or "worker").
    config_body: configuration appended after the generated preamble.
    htdocs: document tree copied to <tmp>/htdocs (default: test/htdocs).
    port: fixed port (default: a free one).
    extra_pythonpath: directories (relative ones are taken inside the
    copied htdocs) put on PYTHONPATH after <tmp>/lib/python.
    with_mod_python: False for a server without our module and package
    (the benchmark's rows for other modules: mod_wsgi, mod_python 3.5).
    """

    def __init__(self, mpm, config_body="", htdocs=TEST_HTDOCS, port=None,
                 extra_pythonpath=(), name="mp-test", with_mod_python=True):
        if mpm not in MPM_SETTINGS and mpm != "worker":
            raise HarnessError("unknown MPM %r" % (mpm,))
        module = built_module()
        self.mpm = mpm
        self.port = port or free_port()
        self.binary = httpd_binary()
        self.process = None
        self.output_path = None
        self.tmp = Path(os.path.realpath(
            tempfile.mkdtemp(prefix=name + "-", dir="/tmp")))
        os.chmod(self.tmp, 0o755)
        self.htdocs = self.tmp / "htdocs"
        self.var = self.tmp / "var"
        self.conf = self.tmp / "conf" / "httpd.conf"
        self.pidfile = self.tmp / "run" / "httpd.pid"
        self.error_log_path = self.tmp / "logs" / "error_log"
        self._prepare_tree(module, Path(htdocs))
        self.with_mod_python = with_mod_python
        self.pythonpath = ([str(self.tmp / "lib" / "python")]
                           if with_mod_python else []) + [
            str(self.htdocs / path) for path in extra_pythonpath]
        self.config_body = config_body
        self.conf.write_text(self.render_config(config_body))

    # ------------------------------------------------------------ setup

    def _prepare_tree(self, module, htdocs):
        for sub in ("conf", "logs", "run"):
            (self.tmp / sub).mkdir()
        self.var.mkdir()
        shutil.copy2(module, self.tmp / "mod_python.so")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(REPO / "lib" / "python", self.tmp / "lib" / "python",
                        ignore=ignore)
        shutil.copytree(htdocs, self.htdocs, ignore=ignore)
        _make_world_readable(self.tmp)
        # Handlers running as www-data write their traces here.
        os.chmod(self.var, 0o1777)

    def substitute(self, text):
        """Fill in the {tmp}, {htdocs}, {var} and {port} placeholders."""
        for key, value in (("{tmp}", self.tmp), ("{htdocs}", self.htdocs),
                           ("{var}", self.var), ("{port}", self.port)):
            text = text.replace(key, str(value))
        return text

    def render_config(self, body):
        modules = modules_dir()
        lines = [
            "# generated by test/harness.py",
            'ServerRoot "%s"' % self.tmp,
            "Listen 127.0.0.1:%d" % self.port,
            "ServerName localhost",
            "PidFile %s" % self.pidfile,
            "DefaultRuntimeDir %s/run" % self.tmp,
            "ErrorLog %s" % self.error_log_path,
            "LogLevel info",
            'LogFormat "%h %u %t \\"%r\\" %>s %b \\"%{Host}i\\"" mp_test',
            "CustomLog %s/logs/access_log mp_test" % self.tmp,
            "Timeout 30",
            "KeepAliveTimeout 5",
            "LoadModule mpm_%s_module %s/mod_mpm_%s.so"
            % (self.mpm, modules, self.mpm),
            MPM_SETTINGS.get(self.mpm, "").rstrip("\n"),
        ]
        if running_as_root():
            lines += ["User www-data", "Group www-data"]
        lines += ["LoadModule %s %s/%s" % (name, modules, filename)
                  for name, filename in STANDARD_MODULES]
        lines += [
            ("LoadModule python_module %s/mod_python.so" % self.tmp
             if self.with_mod_python else ""),
            "TypesConfig /etc/mime.types",
            "DocumentRoot %s" % self.htdocs,
            "<Directory />",
            "    AllowOverride None",
            "</Directory>",
            "# The default virtual host: requests with an unknown Host.",
            "<VirtualHost *:%d>" % self.port,
            "    ServerName localhost",
            "</VirtualHost>",
            "",
            self.substitute(body),
            "",
        ]
        return "\n".join(lines)

    def environment(self):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("PYTHON")}
        env["PYTHONPATH"] = os.pathsep.join(self.pythonpath)
        return env

    # -------------------------------------------------- apache2 commands

    def _apache(self, *args, conf=None, timeout=60):
        command = [self.binary, "-f", str(conf or self.conf)] + list(args)
        return subprocess.run(command, env=self.environment(), timeout=timeout,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)

    def config_test(self, config_body):
        """Run `apache2 -t` on the preamble plus config_body.

        Returns (returncode, output)."""
        path = self.tmp / "conf" / ("test-%d.conf" % time.monotonic_ns())
        path.write_text(self.render_config(config_body))
        result = self._apache("-t", conf=path)
        return result.returncode, result.stdout

    def start(self, timeout=15):
        """Start httpd and wait until it answers; returns self."""
        if self.process is not None:
            raise HarnessError("already started")
        if self._answers():
            raise HarnessError("port %d is already in use" % self.port)
        self.output_path = self.tmp / "logs" / "stdout"
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                [self.binary, "-f", str(self.conf), "-DFOREGROUND"],
                env=self.environment(), stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.wait_until_ready(timeout)
        return self

    def wait_until_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise HarnessError(
                    "httpd exited with status %s at start-up\n%s"
                    % (self.process.returncode, self.diagnostics()))
            if self._answers():
                return
            if time.monotonic() > deadline:
                raise HarnessError("httpd did not answer on port %d within "
                                   "%ss\n%s" % (self.port, timeout,
                                                self.diagnostics()))
            time.sleep(0.05)

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=5) as sock:
                sock.sendall(b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                return sock.recv(16).startswith(b"HTTP/")
        except OSError:
            return False

    def diagnostics(self):
        parts = []
        if self.output_path and self.output_path.exists():
            parts.append("--- httpd output ---\n"
                         + self.output_path.read_text(errors="replace"))
        parts.append("--- error_log ---\n" + self.error_log())
        return "\n".join(parts)

    def ready_count(self):
        return self.error_log().count(READY_LINE)

    def _signal_and_wait_ready(self, command, timeout):
        before = self.ready_count()
        result = self._apache("-k", command)
        if result.returncode != 0:
            raise HarnessError("apache2 -k %s failed: %s"
                               % (command, result.stdout))
        deadline = time.monotonic() + timeout
        while self.ready_count() <= before:
            if self.process.poll() is not None:
                raise HarnessError("httpd exited during -k %s\n%s"
                                   % (command, self.diagnostics()))
            if time.monotonic() > deadline:
                raise HarnessError("httpd not ready %ss after -k %s\n%s"
                                   % (timeout, command, self.diagnostics()))
            time.sleep(0.02)
        self.wait_until_ready(timeout)

    def graceful(self, timeout=15):
        """`apache2 -k graceful`, then wait until the new generation runs."""
        self._signal_and_wait_ready("graceful", timeout)

    def restart(self, timeout=15):
        """`apache2 -k restart`, then wait until the server answers again."""
        self._signal_and_wait_ready("restart", timeout)

    def stop(self, timeout=15):
        """`apache2 -k stop`; returns the seconds until the parent was gone."""
        if self.process is None:
            return 0.0
        started = time.monotonic()
        if self.process.poll() is None:
            self._apache("-k", "stop")
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise HarnessError("httpd did not stop within %ss\n%s"
                                   % (timeout, self.diagnostics()))
        elapsed = time.monotonic() - started
        self._wait_children_gone(timeout)
        self.process = None
        return elapsed

    def _wait_children_gone(self, timeout):
        deadline = time.monotonic() + timeout
        pid = self.process.pid
        while time.monotonic() < deadline:
            alive = [p for p in _pids_in_group(pid) if _process_state(p)
                     not in (None, "Z")]
            if not alive:
                return
            time.sleep(0.05)
        for child in _pids_in_group(pid):
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass

    def cleanup(self):
        """Remove the temporary directory (unless MP_TEST_KEEP is set)."""
        if self.process is not None:
            self.stop()
        if not os.environ.get("MP_TEST_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ----------------------------------------------------------- queries

    def parent_pid(self):
        return self.process.pid if self.process else None

    def child_pids(self):
        parent = self.parent_pid()
        return [pid for pid in _all_pids() if _ppid(pid) == parent]

    def error_log(self):
        try:
            return self.error_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def error_log_size(self):
        try:
            return self.error_log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def error_log_since(self, offset):
        try:
            with open(self.error_log_path, "rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text, since=0, timeout=5):
        """Poll the error log (from byte offset since) until text shows up.

        Returns the log text read (so callers can assert on it)."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.error_log_since(since)
            if text in log or time.monotonic() > deadline:
                return log
            time.sleep(0.05)

    def assert_log(self, text, since=0, timeout=5):
        """wait_for_log, failing the test when text does not show up."""
        log = self.wait_for_log(text, since, timeout)
        assert text in log, "%r not in the error log:\n%s" % (text, log)
        return log

    def crash_lines(self):
        return [line for line in self.error_log().splitlines()
                if any(pattern in line for pattern in CRASH_PATTERNS)]

    # ---------------------------------------------------------- requests

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def request(self, method, path, host=None, **kwargs):
        """requests.request against this server (Host header from host)."""
        import requests   # only the tests need it, not demo/run.py
        headers = dict(kwargs.pop("headers", None) or {})
        if host:
            headers["Host"] = host
        kwargs.setdefault("timeout", 20)
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url(path), headers=headers,
                                **kwargs)

    def get(self, path, host=None, **kwargs):
        return self.request("GET", path, host, **kwargs)

    def post(self, path, host=None, **kwargs):
        return self.request("POST", path, host, **kwargs)

    def read_var(self, name):
        """Content of a file handlers wrote into {var}, or None."""
        try:
            return (self.var / name).read_text()
        except FileNotFoundError:
            return None

    def wait_for_var(self, name, predicate=bool, timeout=5):
        """Poll {var}/name until predicate(content) holds; returns content."""
        deadline = time.monotonic() + timeout
        while True:
            content = self.read_var(name)
            if (content is not None and predicate(content)) \
                    or time.monotonic() > deadline:
                return content
            time.sleep(0.05)


def _all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _pids_in_group(pgid):
    pids = []
    for pid in _all_pids():
        try:
            if os.getpgid(pid) == pgid:
                pids.append(pid)
        except OSError:
            pass
    return pids


def snippet_error(output):
    """The useful lines of an `apache2 -t` failure."""
    lines = [line for line in output.splitlines() if line.strip()
             and "Syntax OK" not in line]
    return "\n".join(lines[-10:])


__all__ = ["Httpd", "HarnessError", "MPMS", "CRASH_PATTERNS", "rss_kib",
           "running_as_root", "snippet_error"]
