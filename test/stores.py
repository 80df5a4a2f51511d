"""Private Redis and PostgreSQL servers for the session tests and bench.

Each runs from the Debian packages' binaries, as an unprivileged user
(``nobody`` for Redis, ``postgres`` for PostgreSQL when we are root; the
current user otherwise), in a temporary directory, on a free 127.0.0.1
port -- never the machine's own services::

    redis = RedisServer().start()      # redis.url: redis://127.0.0.1:N/0
    pg = PgServer().start()            # pg.dsn: a libpq connection string
    ...
    redis.stop(); pg.stop()
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port, running_as_root


def _as_user(user, command):
    return (["runuser", "-u", user, "--"] + command if running_as_root()
            else command)


def _wait_for_port(port, process=None, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError("store exited with %s" % process.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing answers on port %d" % port)


def redis_available():
    return shutil.which("redis-server") and shutil.which("redis-cli")


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class RedisServer:
    """redis-server with an append-only file, so that a restart keeps the
    data (as a production Redis configured for sessions would)."""

    user = "nobody"

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = "redis://127.0.0.1:%d/0" % self.port
        self.dir = tempfile.mkdtemp(prefix="mp-redis-")
        os.chmod(self.dir, 0o777)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(_as_user(self.user, [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "yes", "--dir", self.dir,
            "--daemonize", "no", "--logfile", "", "--loglevel", "warning"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        _wait_for_port(self.port, self.process)
        while self.cli("PING") != "PONG":      # loading the AOF
            time.sleep(0.05)
        return self

    def cli(self, *args):
        result = subprocess.run(["redis-cli", "-p", str(self.port)]
                                + list(args), capture_output=True, text=True,
                                timeout=10)
        return result.stdout.strip()

    def stop(self):
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PgServer:
    """A throw-away PostgreSQL cluster (initdb, trust authentication on
    127.0.0.1 only, fsync off)."""

    user = "postgres"

    def __init__(self, port=None):
        self.bin = postgres_bin()
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="mp-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.dsn = ("host=127.0.0.1 port=%d user=postgres dbname=postgres"
                    % self.port)
        if running_as_root():
            shutil.chown(self.dir, self.user, self.user)
        self._run(["initdb", "-D", self.data, "--auth=trust", "-U",
                   "postgres", "-E", "UTF8", "--no-sync"])

    def _run(self, command, timeout=120):
        command[0] = os.path.join(self.bin, command[0])
        subprocess.run(_as_user(self.user, command), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout, cwd=self.dir)

    def start(self):
        self._run(["pg_ctl", "-D", self.data, "-w", "-l",
                   os.path.join(self.dir, "log"), "-o",
                   "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200" % (self.port, self.dir), "start"])
        _wait_for_port(self.port)
        return self

    def psql(self, sql):
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U",
             "postgres", "-d", "postgres", "-Atc", sql],
            capture_output=True, text=True, timeout=20)
        return result.stdout.strip()

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run(["pg_ctl", "-D", self.data, "-w", "-m", "fast",
                       "stop"])

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
