# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The ``mod_python`` command: a private Apache httpd for Python handlers.

::

    mod_python create DIR [options]     write a self-contained server root
    mod_python start DIR [--foreground] run it as the current user
    mod_python stop DIR                 stop it
    mod_python restart DIR              restart it (start it if it is down)
    mod_python status DIR               say whether it runs
    mod_python genconfig [options]      print a snippet for an existing Apache
    mod_python version                  package, module, Apache and Python versions

Also runnable as ``python3 -m mod_python``.  The server root holds
``conf/httpd.conf``, ``htdocs/`` (a hello-world handler), ``logs/`` and
``run/``; Apache runs as the user who starts it (as root it switches its
children to an unprivileged user such as www-data).  See Doc/cli.rst.
"""

import argparse
import json
import os
import pwd
import grp
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import mod_python

PACKAGE_DIR = Path(mod_python.__file__).resolve().parent
SETTINGS_FILE = "mod_python.json"
MPMS = ("event", "worker", "prefork")
READY_LINE = "resuming normal operations"

# Where Apache lives when apxs cannot tell: (server binary, module dir).
DEFAULT_LAYOUTS = (
    ("/usr/sbin/apache2", "/usr/lib/apache2/modules"),          # Debian
    ("/usr/local/apache2/bin/httpd", "/usr/local/apache2/modules"),  # source
    ("/usr/sbin/httpd", "/usr/lib64/httpd/modules"),            # Fedora
    ("/usr/sbin/httpd", "/usr/lib/httpd/modules"),
)
APXS_CANDIDATES = ("apxs", "apxs2", "/usr/bin/apxs",
                   "/usr/local/apache2/bin/apxs")
INSTALL_HINT = ("install Apache httpd 2.4: apt-get install apache2 "
                "(Debian, Ubuntu) or dnf install httpd (Fedora), or pass "
                "--httpd PATH and --modules-dir DIR")

# Modules the generated configuration loads besides the MPM and
# mod_python: (module name, file, needed).  Optional ones are left out
# when the Apache installation lacks them.
STANDARD_MODULES = (
    ("authz_core_module", "mod_authz_core.so", True),
    ("mime_module", "mod_mime.so", True),
    ("log_config_module", "mod_log_config.so", True),
    ("unixd_module", "mod_unixd.so", True),
    ("dir_module", "mod_dir.so", False),
    ("authn_core_module", "mod_authn_core.so", False),
    ("authz_host_module", "mod_authz_host.so", False),
    ("authz_user_module", "mod_authz_user.so", False),
    ("auth_basic_module", "mod_auth_basic.so", False),
    ("alias_module", "mod_alias.so", False),
    ("env_module", "mod_env.so", False),
    ("headers_module", "mod_headers.so", False),
)

MPM_SETTINGS = {
    "event": ("StartServers 1", "ServerLimit 4", "ThreadsPerChild 16",
              "MaxRequestWorkers 64", "MinSpareThreads 8",
              "MaxSpareThreads 32"),
    "worker": ("StartServers 1", "ServerLimit 4", "ThreadsPerChild 16",
               "MaxRequestWorkers 64", "MinSpareThreads 8",
               "MaxSpareThreads 32"),
    "prefork": ("StartServers 2", "MinSpareServers 2", "MaxSpareServers 5",
                "MaxRequestWorkers 20"),
}

HELLO_HANDLER = '''\
"""Hello World: the handler `mod_python create` starts you with.

Edit it and reload the page: mod_python re-imports a module whose file
changed (PythonAutoReload On, the default), as a fresh module, so a
function you rename or delete is gone too.  Modules it imports are not
re-imported: restart the server for those (mod_python restart DIR).
"""

from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello World!")
    return apache.OK
'''


def handler_stub(module, function):
    """HELLO_HANDLER as MODULE.py with FUNCTION, for --pythonhandler."""
    text = HELLO_HANDLER.replace(
        "Hello World: the handler `mod_python create` starts you with.",
        "%s: the handler `mod_python create --pythonhandler` wrote for "
        "you." % module)
    return text.replace("def handler(req):", "def %s(req):" % function)


class CliError(Exception):
    """A failure to report on one line, without a traceback."""


# ------------------------------------------------------------ discovery

def _run(command, timeout=30, env=None):
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except (OSError, subprocess.SubprocessError):
        return None


def _which(name):
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name)


def find_apxs(candidates=APXS_CANDIDATES):
    """The first runnable apxs: $APXS, then candidates; or None."""
    wanted = [os.environ["APXS"]] if os.environ.get("APXS") else []
    for name in wanted + list(candidates):
        path = _which(name)
        if path:
            return path
    return None


def apxs_query(apxs, *variables):
    """apxs -q for each variable; None when apxs does not run."""
    values = []
    for variable in variables:
        result = _run([apxs, "-q", variable])
        if result is None or result.returncode != 0:
            return None
        values.append(result.stdout.strip())
    return values


class Apache:
    """One Apache httpd installation: the server binary and module dir."""

    def __init__(self, binary, modules_dir, found_by):
        self.binary = binary
        self.modules_dir = modules_dir
        self.found_by = found_by

    def static_modules(self):
        """Names of the modules compiled into httpd (``httpd -l``)."""
        result = _run([self.binary, "-l"])
        if result is None or result.returncode != 0:
            return set()
        return {line.strip() for line in result.stdout.splitlines()
                if line.strip().endswith(".c")}

    def version(self):
        """``Apache/2.4.x (...)`` from ``httpd -v``, or None."""
        result = _run([self.binary, "-v"])
        if result is None or result.returncode != 0:
            return None
        for line in result.stdout.splitlines():
            if line.startswith("Server version:"):
                return line.split(":", 1)[1].strip()
        return None


def find_apache(httpd=None, modules_dir=None, apxs_candidates=APXS_CANDIDATES,
                layouts=DEFAULT_LAYOUTS):
    """Locate httpd and its module directory.

    Explicit paths win; then apxs (-q SBINDIR, PROGNAME, LIBEXECDIR); then
    the usual layouts (Debian, /usr/local/apache2, Fedora).
    """
    if httpd:
        if not os.access(httpd, os.X_OK):
            raise CliError("no Apache httpd at %s: %s" % (httpd, INSTALL_HINT))
        modules_dir = modules_dir or _guess_modules_dir(httpd, layouts)
        if not modules_dir:
            raise CliError("cannot tell the module directory of %s: pass "
                           "--modules-dir DIR" % httpd)
        return Apache(httpd, modules_dir, "--httpd")
    apxs = find_apxs(apxs_candidates)
    if apxs:
        values = apxs_query(apxs, "SBINDIR", "PROGNAME", "LIBEXECDIR")
        if values:
            sbindir, progname, libexecdir = values
            binary = os.path.join(sbindir, progname or "httpd")
            if os.access(binary, os.X_OK):
                return Apache(binary, modules_dir or libexecdir, apxs)
    for binary, directory in layouts:
        if os.access(binary, os.X_OK) and os.path.isdir(directory):
            return Apache(binary, modules_dir or directory, binary)
    raise CliError("Apache httpd not found: %s" % INSTALL_HINT)


def _guess_modules_dir(httpd, layouts):
    for binary, directory in layouts:
        if binary == httpd and os.path.isdir(directory):
            return directory
    sibling = os.path.join(os.path.dirname(os.path.dirname(httpd)), "modules")
    return sibling if os.path.isdir(sibling) else None


def source_tree_module():
    """src/mod_python.so when this package runs from a built source tree."""
    if PACKAGE_DIR.parent.name != "python" or \
            PACKAGE_DIR.parent.parent.name != "lib":
        return None
    candidate = PACKAGE_DIR.parent.parent.parent / "src" / "mod_python.so"
    return candidate if candidate.is_file() else None


def find_module(explicit, apache, check=True):
    """The mod_python.so to load: --module, the source tree's, installed.
    With check, one of another release than this package is refused
    (ModuleMismatch)."""
    if explicit:
        path = Path(explicit).resolve()
        if not path.is_file():
            raise CliError("no mod_python module at %s" % explicit)
    else:
        path = source_tree_module()
        if path is None:
            path = Path(apache.modules_dir) / "mod_python.so"
            if not path.is_file():
                raise CliError("mod_python.so is not installed in %s: build "
                               "and install it (./configure && make && make "
                               "install) or pass --module PATH"
                               % apache.modules_dir)
    if check:
        check_module_version(path, explicit)
    return path


class ModuleMismatch(CliError):
    """The mod_python.so found is not of this package's release."""


def check_module_version(path, explicit=None):
    """Refuse a mod_python.so of another release than this package: the
    C module and the Python package talk through private functions that
    change between releases (mod_python 3.5's module with this package
    answers every request with a 500)."""
    found = module_version(path)
    if found == mod_python.version:
        return
    if explicit:
        how = "pass --module PATH to a mod_python.so of release %s" \
            % mod_python.version
    else:
        how = ("build this tree (./configure && make: the command then "
               "uses its src/mod_python.so), pass --module PATH to a "
               "mod_python.so of release %s, or install this release over "
               "the old one (Debian's libapache2-mod-python: sudo apt-get "
               "remove libapache2-mod-python, then sudo make install; see "
               "installation.rst)" % mod_python.version)
    raise ModuleMismatch(
        "%s is mod_python %s, but this mod_python package (%s) is %s: the "
        "module and the package must be the same release. To fix it, %s"
        % (path, found or "of an unknown release", PACKAGE_DIR,
           mod_python.version, how))


def module_version(path):
    """The version compiled into a mod_python.so (its mod_python/X token)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    start = data.find(b"mod_python/")
    if start < 0:
        return None
    end = data.find(b"\0", start)
    return data[start + len("mod_python/"):end].decode("ascii", "replace")


def unprivileged_account():
    """(user, group) Apache's children use when started as root."""
    for user in ("www-data", "apache", "daemon", "nobody"):
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            continue
        try:
            group = grp.getgrgid(entry.pw_gid).gr_name
        except KeyError:
            group = "#%d" % entry.pw_gid
        return user, group
    return "nobody", "nogroup"


def mime_types_file(apache):
    for path in ("/etc/mime.types",
                 os.path.join(os.path.dirname(apache.modules_dir), "conf",
                              "mime.types")):
        if os.path.isfile(path):
            return path
    return None


# ------------------------------------------------------- configuration

def parse_listen(text):
    """'8080', 'host:port' or '[v6]:port' -> (host or '', port)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CliError("--listen %s: expected [HOST:]PORT" % text)
    return host, int(port)


def parse_options(pairs):
    options = []
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError("--pythonoption %s: expected KEY=VALUE" % pair)
        options.append((key.strip(), value))
    return options


def _quote(text):
    """A double-quoted Apache argument."""
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _pythonpath_directive(paths):
    entries = []
    for path in paths or ():
        entries += [p for p in path.split(os.pathsep) if p]
    if not entries:
        return None
    listed = ", ".join(repr(os.path.abspath(p)) for p in entries)
    return "PythonPath %s" % _quote("sys.path + [%s]" % listed)


def handler_section(directory, handler, addhandler, paths, options, debug):
    """The <Directory> section running handler for directory."""
    lines = ["<Directory %s>" % _quote(directory),
             "    # Several Require lines mean ANY of them: to ask for a "
             "login,",
             "    # replace this one (Doc/tutorial.rst, authentication).",
             "    Require all granted"]
    if addhandler:
        lines.append("    AddHandler mod_python %s" % " ".join(addhandler))
    else:
        lines.append("    SetHandler mod_python")
    lines.append("    PythonHandler %s" % handler)
    pythonpath = _pythonpath_directive(paths)
    if pythonpath:
        lines.append("    " + pythonpath)
    for key, value in options:
        lines.append("    PythonOption %s %s" % (_quote(key), _quote(value)))
    lines.append("    PythonDebug %s" % ("On" if debug else "Off"))
    lines.append("</Directory>")
    return lines


def load_module_lines(apache, mpm):
    """LoadModule lines for the MPM and the standard modules."""
    static = apache.static_modules()
    lines = []
    static_mpm = [name for name in static
                  if name[:-2] in MPMS or name[:-2] in
                  ("mpm_" + m for m in MPMS)]
    if not static_mpm:
        lines.append(_load_line(apache, "mpm_%s_module" % mpm,
                                "mod_mpm_%s.so" % mpm, True))
    for name, filename, needed in STANDARD_MODULES:
        if filename[:-3] + ".c" in static:
            continue
        line = _load_line(apache, name, filename, needed)
        if line:
            lines.append(line)
    return lines


def _load_line(apache, name, filename, needed):
    path = os.path.join(apache.modules_dir, filename)
    if not os.path.isfile(path):
        if needed:
            raise CliError("%s is missing: the Apache installation in %s is "
                           "incomplete (%s)" % (filename, apache.modules_dir,
                                                INSTALL_HINT))
        return None
    return "LoadModule %s %s" % (name, _quote(path))


def render_config(root, apache, module, args):
    host, port = parse_listen(args.listen)
    listen = "[%s]:%d" % (host, port) if ":" in host else (
        "%s:%d" % (host, port) if host else str(port))
    user, group = args.user, args.group
    if not user:
        user, group = unprivileged_account()
    htdocs = htdocs_of(root, args)
    mime = mime_types_file(apache)
    lines = [
        "# Apache httpd configuration written by `mod_python create`",
        "# (mod_python %s).  Run it with:" % mod_python.version,
        "#     mod_python start %s       (--foreground to stay attached)"
        % shlex.quote(str(root)),
        "#     mod_python stop %s" % shlex.quote(str(root)),
        "# Edit it freely; `mod_python create --force` writes it anew.",
        "",
        "ServerRoot %s" % _quote(str(root)),
        "Define MP_SERVER_ROOT %s" % _quote(str(root)),
        "Define MP_HTDOCS %s" % _quote(str(htdocs)),
        "Listen %s" % listen,
        "ServerName %s" % (host if host and host not in ("0.0.0.0", "::")
                           else "localhost"),
        "PidFile run/httpd.pid",
        "DefaultRuntimeDir run",
        "ErrorLog logs/error_log",
        "LogLevel %s" % args.log_level,
        'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
        "CustomLog logs/access_log common",
        "",
    ]
    lines += load_module_lines(apache, args.mpm)
    lines += ["LoadModule python_module %s" % _quote(str(module)), ""]
    lines += ["<IfModule mpm_%s_module>" % args.mpm]
    lines += ["    " + setting for setting in MPM_SETTINGS[args.mpm]]
    lines += ["</IfModule>", "",
              "# `mod_python start` adds -D MP_AS_ROOT when run as root:",
              "# Apache's children then run as this unprivileged user.",
              "<IfDefine MP_AS_ROOT>",
              "    User %s" % user,
              "    Group %s" % group,
              "</IfDefine>", ""]
    if mime:
        lines.append("TypesConfig %s" % _quote(mime))
    lines += [
        "DocumentRoot %s" % _quote(str(htdocs)),
        "<Directory />",
        "    AllowOverride None",
        "    Require all denied",
        "</Directory>",
    ]
    lines += handler_section(str(htdocs), args.pythonhandler, args.addhandler,
                             args.pythonpath, parse_options(args.pythonoption),
                             args.debug)
    for include in args.include or ():
        lines.append("Include %s" % _quote(os.path.abspath(include)))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------- server root

class ServerRoot:
    """A directory written by `mod_python create`."""

    def __init__(self, directory):
        self.path = Path(os.path.abspath(directory))
        self.conf = self.path / "conf" / "httpd.conf"
        self.pidfile = self.path / "run" / "httpd.pid"
        self.error_log = self.path / "logs" / "error_log"
        self.settings_path = self.path / "conf" / SETTINGS_FILE

    def exists(self):
        return self.conf.is_file()

    def settings(self):
        if not self.exists():
            raise CliError("%s is not a server root made by `mod_python "
                           "create` (no conf/httpd.conf)" % self.path)
        try:
            return json.loads(self.settings_path.read_text())
        except (OSError, ValueError) as exc:
            raise CliError("cannot read %s: %s" % (self.settings_path, exc))

    def pid(self):
        """The running parent's pid, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pidfile.unlink(missing_ok=True)
            return None
        except PermissionError:
            pass                    # alive, but someone else's
        if _zombie(pid):
            return None
        return pid

    def ready_count(self):
        try:
            return self.error_log.read_text(errors="replace").count(READY_LINE)
        except OSError:
            return 0

    def log_lines_after(self, offset):
        """The error-log lines written after byte offset."""
        try:
            with open(self.error_log, "rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return []
        return text.splitlines()

    def log_tail(self, lines=15):
        try:
            text = self.error_log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _make_readable(top):
    """chmod a+rX the tree (Apache's children run as another user)."""
    for root, dirs, files in os.walk(top):
        os.chmod(root, os.stat(root).st_mode | 0o555)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)


def _blocked_for_others(path):
    """The first directory on path's way that other users cannot enter."""
    path = os.path.realpath(path)
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return path
        except OSError:
            return path


def htdocs_of(root, args):
    """The document root: --htdocs SRC itself (served in place, so that
    edits show), or root/htdocs (written here, or SRC's copy with
    --copy-htdocs)."""
    if args.htdocs and not args.copy_htdocs:
        return Path(os.path.abspath(args.htdocs))
    return Path(root) / "htdocs"


def stub_module(args):
    """(MODULE.py, function) to write for --pythonhandler MODULE[::OBJECT]
    when nothing provides MODULE yet; None when it is found (the htdocs,
    a --pythonpath directory, an importable module) or is dotted."""
    import importlib.util
    module, _, obj = args.pythonhandler.partition("::")
    obj = obj or "handler"
    if not module.isidentifier() or not obj.isidentifier():
        return None
    places = [args.htdocs] if args.htdocs else []
    for path in args.pythonpath or ():
        places += [p for p in path.split(os.pathsep) if p]
    if any(os.path.exists(os.path.join(place, module + ".py"))
           or os.path.isdir(os.path.join(place, module))
           for place in places):
        return None
    try:
        if importlib.util.find_spec(module) is not None:
            return None
    except (ImportError, ValueError):
        pass
    return module + ".py", obj


def create(args):
    root = ServerRoot(args.directory)
    if root.path.exists() and any(root.path.iterdir()) and not args.force:
        raise CliError("%s exists and is not empty (use --force to write "
                       "the configuration anew)" % root.path)
    apache = find_apache(args.httpd, args.modules_dir)
    module = find_module(args.module, apache)
    if args.mpm not in MPMS:
        raise CliError("--mpm %s: choose one of %s" % (args.mpm,
                                                        ", ".join(MPMS)))
    config = render_config(root.path, apache, module, args)
    for sub in ("conf", "htdocs", "logs", "run"):
        (root.path / sub).mkdir(parents=True, exist_ok=True)
    if args.htdocs and not os.path.isdir(args.htdocs):
        raise CliError("--htdocs %s: no such directory" % args.htdocs)
    if args.htdocs and args.copy_htdocs:
        shutil.copytree(args.htdocs, root.path / "htdocs", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # the default handler gets hello.py (HELLO_HANDLER) below
    stub = stub_module(args) if args.htdocs or \
        args.pythonhandler != "hello" else None
    htdocs = htdocs_of(root.path, args)
    if stub and not (htdocs / stub[0]).exists():
        (htdocs / stub[0]).write_text(handler_stub(stub[0][:-3], stub[1]))
        print("wrote %s: edit it" % (htdocs / stub[0]))
    hello = root.path / "htdocs" / "hello.py"
    if not args.htdocs and args.pythonhandler == "hello" \
            and not hello.exists():
        hello.write_text(HELLO_HANDLER)
    root.conf.write_text(config)
    host, port = parse_listen(args.listen)
    settings = {"httpd": apache.binary, "modules_dir": apache.modules_dir,
                "module": str(module), "host": host, "port": port,
                "mpm": args.mpm, "version": mod_python.version,
                "htdocs": str(htdocs)}
    root.settings_path.write_text(json.dumps(settings, indent=2) + "\n")
    os.chmod(root.path, 0o755)
    _make_readable(root.path)
    print("created %s (Apache %s, %s MPM, module %s)"
          % (root.path, apache.binary, args.mpm, module))
    print("start it with:  mod_python start %s" % shlex.quote(str(root.path)))
    return 0


def genconfig(args):
    if args.script:
        return _run_config_script(args.script)
    apache = None
    module = args.module
    if module:
        # the path is written as given (make install names the one it
        # installs): only warn when it is another release now
        try:
            check_module_version(module, explicit=module)
        except ModuleMismatch as exc:
            print("mod_python: warning: %s" % exc, file=sys.stderr)
    else:
        try:
            apache = find_apache(args.httpd, args.modules_dir)
            module = find_module(None, apache)
        except ModuleMismatch:
            raise
        except CliError:
            module = "/usr/lib/apache2/modules/mod_python.so"
    lines = ["# mod_python %s: load the module (on Debian `a2enmod python` "
             "does this)" % mod_python.version]
    if apache is not None and str(module) == str(source_tree_module()):
        lines += ["# This is the module built in the source tree %s;"
                  % Path(module).parent.parent,
                  "# `make install` installs it as %s: name that one in "
                  "a real configuration." % _quote(os.path.join(
                      apache.modules_dir, "mod_python.so"))]
    lines += ["LoadModule python_module %s" % _quote(str(module)), ""]
    lines += handler_section(args.directory, args.pythonhandler,
                             args.addhandler or [".py"], args.pythonpath,
                             parse_options(args.pythonoption), args.debug)
    print("\n".join(lines))
    return 0


def _run_config_script(script):
    """Run a mod_python.httpdconf script as 3.5's genconfig did: it prints
    the configuration."""
    import runpy
    if not os.path.isfile(script):
        raise CliError("no configuration script at %s" % script)
    saved = sys.argv
    sys.argv = [script]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = saved
    return 0


# ---------------------------------------------------- running the server

def python_path_dir(root):
    """<root>/lib/python holding a link to the mod_python package this
    command runs from: httpd gets it on PYTHONPATH, and nothing else from
    this Python's site-packages."""
    lib = root.path / "lib" / "python"
    lib.mkdir(parents=True, exist_ok=True)
    link = lib / "mod_python"
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == PACKAGE_DIR:
            return lib
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(PACKAGE_DIR, target_is_directory=True)
    return lib


def httpd_environment(root):
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONHOME", "PYTHONPATH")}
    paths = [str(python_path_dir(root))]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def httpd_command(root, settings, *extra):
    command = [settings["httpd"], "-d", str(root.path), "-f", str(root.conf)]
    if os.geteuid() == 0:
        command += ["-D", "MP_AS_ROOT"]
    return command + list(extra)


def _check_runnable(root, settings):
    if not os.access(settings["httpd"], os.X_OK):
        raise CliError("%s is gone: %s" % (settings["httpd"], INSTALL_HINT))
    # the module may have been replaced since `create` (a package upgrade)
    check_module_version(settings["module"], explicit=settings["module"])
    if os.geteuid() == 0:
        _make_readable(root.path)
        htdocs = Path(settings.get("htdocs") or root.path / "htdocs")
        for path in (root.path, htdocs, PACKAGE_DIR):
            blocked = _blocked_for_others(path / "x")
            if blocked:
                print("mod_python: warning: %s is not accessible to other "
                      "users; Apache's children (running as an unprivileged "
                      "user) cannot read %s" % (blocked, path),
                      file=sys.stderr)


def answers(host, port, timeout=2):
    """True when an HTTP server answers on host:port."""
    target = host if host not in ("", "0.0.0.0", "*") else "127.0.0.1"
    if target == "::":
        target = "::1"
    try:
        with socket.create_connection((target, port), timeout=timeout) as s:
            s.sendall(b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/")
    except OSError:
        return False


# Error-log text telling that a 403 comes from file permissions (the
# children's user cannot read the site), not from the configuration.
PERMISSION_MARKS = ("Permission denied", "AH00035", "AH00132", "AH00529")
SEVERE_LEVELS = (":error]", ":crit]", ":alert]", ":emerg]")
LOG_PREFIX = re.compile(r"^\[[^]]*\] \[[^]]*\] (\[pid [^]]*\] )?"
                        r"(\[client [^]]*\] )?")


class CheckResult:
    """What the check request after start/restart got: the status (None
    when nothing answered), its reason phrase and the error-log lines it
    wrote."""

    def __init__(self, status, reason, log_lines):
        self.status, self.reason, self.log_lines = status, reason, log_lines

    def first_error(self):
        """The first relevant error-log line: the first of level error or
        worse, with the exception line when a traceback follows it."""
        for index, line in enumerate(self.log_lines):
            if any(level in line for level in SEVERE_LEVELS):
                following = [text for text in self.log_lines[index + 1:]
                             if any(level in text for level in SEVERE_LEVELS)]
                message = _log_message(line)
                if any("Traceback" in text for text in following[:2]):
                    exception = _exception_line(following)
                    if exception:
                        message = "%s %s" % (message, exception)
                return message
        return _log_message(self.log_lines[0]) if self.log_lines else None

    def of_the_users_making(self):
        """2xx, 3xx and 4xx answers a configuration or handler chose (404,
        401, a 403 by Require): not an error of the site.  A 403 from
        file permissions, a 5xx or no answer are."""
        if self.status is None or self.status >= 500:
            return False
        if self.status == 403:
            return not any(mark in line for line in self.log_lines
                           for mark in PERMISSION_MARKS)
        return True

    def describe(self):
        if self.status is None:
            text = "GET / got no answer (%s)" % self.reason
        else:
            text = "GET / answered %d %s" % (self.status, self.reason)
        error = self.first_error()
        return text + ("; error log: %s" % error if error else "")


def _log_message(line):
    """An error-log line without its [time] [module:level] [pid] [client]
    prefix."""
    return LOG_PREFIX.sub("", line, count=1).rstrip()


def _exception_line(lines):
    """The exception line ending the first traceback logged in lines."""
    found = None
    for line in lines:
        message = _log_message(line)
        text = message[len("mod_python: "):] \
            if message.startswith("mod_python: ") else message
        if not text.startswith("  "):
            break                   # the next message: the traceback ended
        if not text.startswith("   "):
            found = text.strip()    # "  ValueError: boom" (not a frame)
    return found


def check_request(root, settings, timeout=10):
    """GET / on the server just started; the answer and the error-log
    lines written meanwhile."""
    import http.client
    try:
        offset = root.error_log.stat().st_size
    except OSError:
        offset = 0
    host = settings["host"] if settings["host"] not in (
        "", "0.0.0.0", "*") else "127.0.0.1"
    if host == "::":
        host = "::1"
    status, reason = None, "connection failed"
    connection = http.client.HTTPConnection(host, settings["port"],
                                            timeout=timeout)
    try:
        connection.request("GET", "/", headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        status, reason = response.status, response.reason
    except (OSError, http.client.HTTPException) as exc:
        reason = str(exc) or exc.__class__.__name__
    finally:
        connection.close()
    lines = root.log_lines_after(offset)
    if status is None or status >= 400:
        # the child may log just after answering
        deadline = time.monotonic() + 1
        while not any(any(level in line for level in SEVERE_LEVELS)
                      for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
            lines = root.log_lines_after(offset)
    return CheckResult(status, reason, lines)


def report_check(root, settings, serving):
    """Print serving + the check request's answer; CliError when the site
    answers with an error that is not of the user's making."""
    check = check_request(root, settings)
    if check.of_the_users_making():
        print("%s; %s" % (serving, check.describe()))
        return 0
    raise CliError(
        "Apache runs (pid %d) but %s\nThe server is still running: fix "
        "the cause and reload the page, or mod_python stop %s (error log: "
        "%s)" % (root.pid() or 0, check.describe(),
                 shlex.quote(str(root.path)), root.error_log))


def url_of(settings):
    host = settings["host"] or "127.0.0.1"
    if host in ("0.0.0.0", "*"):
        host = "127.0.0.1"
    if ":" in host:
        host = "[%s]" % host
    return "http://%s:%d/" % (host, settings["port"])


def start(args):
    root = ServerRoot(args.directory)
    settings = root.settings()
    pid = root.pid()
    if pid:
        raise CliError("already running (pid %d): mod_python stop %s"
                       % (pid, shlex.quote(str(root.path))))
    if answers(settings["host"], settings["port"]):
        raise CliError("something else already answers on port %d (another "
                       "server? choose another with mod_python create --force "
                       "--listen HOST:PORT)" % settings["port"])
    _check_runnable(root, settings)
    env = httpd_environment(root)
    if args.foreground:
        command = httpd_command(root, settings, "-DFOREGROUND")
        print("mod_python: serving %s with %s in the foreground; Ctrl-C "
              "stops it (error log: %s)" % (url_of(settings),
                                            settings["httpd"], root.error_log),
              flush=True)
        os.execve(command[0], command, env)
    before = root.ready_count()
    result = _run(httpd_command(root, settings, "-k", "start"), env=env)
    if result is None or result.returncode != 0:
        output = (result.stdout + result.stderr).strip() if result else ""
        raise CliError("Apache did not start:\n%s\n%s"
                       % (output, root.log_tail()))
    _wait_ready(root, settings, before, args.timeout)
    return report_check(root, settings,
                        "mod_python: serving %s (pid %d, error log %s)"
                        % (url_of(settings), root.pid() or 0, root.error_log))


def _wait_ready(root, settings, before, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if root.ready_count() > before and answers(settings["host"],
                                                   settings["port"]):
            return
        if root.ready_count() > before and not root.pid():
            break
        time.sleep(0.1)
    raise CliError("Apache did not come up within %ss; end of %s:\n%s"
                   % (timeout, root.error_log, root.log_tail()))


def stop(args):
    root = ServerRoot(args.directory)
    settings = root.settings()
    pid = root.pid()
    if not pid:
        print("mod_python: not running (%s)" % root.path)
        return 0
    result = _run(httpd_command(root, settings, "-k", "stop"),
                  env=httpd_environment(root))
    if result is None or result.returncode != 0:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            raise CliError("Apache (pid %d) did not stop within %ss"
                           % (pid, args.timeout))
        time.sleep(0.05)
    print("mod_python: stopped (pid %d)" % pid)
    return 0


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def restart(args):
    root = ServerRoot(args.directory)
    settings = root.settings()
    if not root.pid():
        return start(args)
    _check_runnable(root, settings)
    before = root.ready_count()
    command = "graceful" if args.graceful else "restart"
    result = _run(httpd_command(root, settings, "-k", command),
                  env=httpd_environment(root))
    if result is None or result.returncode != 0:
        output = (result.stdout + result.stderr).strip() if result else ""
        raise CliError("apache -k %s failed:\n%s" % (command, output))
    _wait_ready(root, settings, before, args.timeout)
    return report_check(root, settings,
                        "mod_python: restarted (pid %d), serving %s"
                        % (root.pid() or 0, url_of(settings)))


def status(args):
    root = ServerRoot(args.directory)
    settings = root.settings()
    pid = root.pid()
    if pid:
        print("mod_python: running (pid %d), serving %s"
              % (pid, url_of(settings)))
        return 0
    print("mod_python: not running (%s)" % root.path)
    return 3          # like LSB init scripts: "program is not running"


def version(args):
    print("mod_python %s (package %s)" % (mod_python.version, PACKAGE_DIR))
    try:
        apache = find_apache(args.httpd, args.modules_dir)
    except CliError as exc:
        print("Apache: not found (%s)" % exc)
        apache = None
    try:
        module = find_module(args.module, apache, check=False) \
            if apache or args.module else None
    except CliError:
        module = None
    if module:
        found = module_version(module)
        print("module: %s (mod_python/%s)%s"
              % (module, found or "unknown version",
                 "" if found == mod_python.version
                 else " -- another release than this package: "
                 "mod_python start refuses it"))
    else:
        print("module: mod_python.so not found")
    if apache:
        print("Apache: %s (%s)" % (apache.version() or "unknown version",
                                   apache.binary))
    print("Python: %s (%s)" % (sys.version.split()[0], sys.executable))
    return 0


# --------------------------------------------------------- command line

def _add_apache_options(parser):
    parser.add_argument("--httpd", metavar="PATH",
                        help="the Apache server binary (default: from apxs, "
                             "else /usr/sbin/apache2, "
                             "/usr/local/apache2/bin/httpd)")
    parser.add_argument("--modules-dir", metavar="DIR",
                        help="Apache's module directory (default: apxs -q "
                             "LIBEXECDIR, or the binary's usual one)")
    parser.add_argument("--module", metavar="PATH",
                        help="the mod_python.so to load (default: the source "
                             "tree's build when run from one, else "
                             "MODULES_DIR/mod_python.so)")


def _add_handler_options(parser, handler, directory=None):
    if directory:
        parser.add_argument("--directory", default=directory, metavar="DIR",
                            help="the <Directory> to configure (default: "
                                 "%(default)s)")
    parser.add_argument("--pythonhandler", default=handler, metavar="HANDLER",
                        help="module[::object] for PythonHandler (default: "
                             "%(default)s)")
    parser.add_argument("--pythonpath", action="append", metavar="PATH",
                        help="a directory to add to sys.path (repeatable, or "
                             "several separated by %r)" % os.pathsep)
    parser.add_argument("--pythonoption", action="append", metavar="KEY=VALUE",
                        help="a PythonOption (repeatable)")
    parser.add_argument("--addhandler", action="append", metavar=".EXT",
                        help="run the handler only for these extensions "
                             "(AddHandler) instead of for every URL "
                             "(SetHandler); repeatable")
    parser.add_argument("--debug", action="store_true",
                        help="PythonDebug On: tracebacks go to the browser "
                             "(development only)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="mod_python",
        description="Run Python handlers in a private Apache httpd, or "
                    "configure an existing one.")
    parser.add_argument("--version", action="version",
                        version="mod_python %s" % mod_python.version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser(
        "create", help="write a self-contained server root",
        description="Write DIR/conf/httpd.conf, DIR/htdocs (with a Hello "
                    "World handler), DIR/logs and DIR/run for the local "
                    "Apache httpd.")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT",
                   help="address to listen on (default: %(default)s)")
    p.add_argument("--mpm", default="event", choices=MPMS,
                   help="the multi-processing module (default: %(default)s)")
    p.add_argument("--log-level", default="info", metavar="LEVEL",
                   help="Apache LogLevel (default: %(default)s)")
    p.add_argument("--htdocs", metavar="SRC",
                   help="serve this document tree, in place (edits show "
                        "at once), instead of DIR/htdocs with the Hello "
                        "World handler")
    p.add_argument("--copy-htdocs", action="store_true",
                   help="with --htdocs: serve a copy of SRC in DIR/htdocs "
                        "instead")
    p.add_argument("--include", action="append", metavar="FILE",
                   help="add `Include FILE` at the end of httpd.conf; it may "
                        "use ${MP_HTDOCS} and ${MP_SERVER_ROOT} (repeatable)")
    p.add_argument("--user", help="user for Apache's children when started "
                                  "as root (default: www-data or similar)")
    p.add_argument("--group", help="their group (default: the user's)")
    p.add_argument("--force", action="store_true",
                   help="write the configuration even if DIR is not empty "
                        "(htdocs files are kept)")
    _add_handler_options(p, "hello")
    _add_apache_options(p)
    p.set_defaults(run=create)

    for name, function, text in (
            ("start", start, "start the server in DIR"),
            ("stop", stop, "stop the server in DIR"),
            ("restart", restart, "restart the server in DIR (start it if "
                                 "it is not running)"),
            ("status", status, "say whether the server in DIR runs "
                               "(exit status 3 when not)")):
        p = commands.add_parser(name, help=text, description=text)
        p.add_argument("directory", metavar="DIR")
        p.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                       help="how long to wait for Apache (default: "
                            "%(default)ss)")
        if name in ("start", "restart"):
            p.add_argument("--foreground", action="store_true",
                           help="stay attached to the terminal (Ctrl-C stops "
                                "the server)")
        if name == "restart":
            p.add_argument("--graceful", action="store_true",
                           help="let current requests finish (-k graceful)")
        p.set_defaults(run=function)

    p = commands.add_parser(
        "genconfig", help="print a configuration snippet for an existing "
                          "Apache",
        description="Print a LoadModule line and a <Directory> section "
                    "running a Python handler, to paste into an Apache "
                    "configuration; or, given SCRIPT, run that "
                    "mod_python.httpdconf script (mod_python 3.5's "
                    "genconfig), which prints a configuration.")
    p.add_argument("script", nargs="?",
                   help="a Python script building the configuration with "
                        "mod_python.httpdconf (e.g. conf/httpd_conf.py)")
    _add_handler_options(p, "mptest", directory="/var/www/html/python")
    _add_apache_options(p)
    p.set_defaults(run=genconfig)

    p = commands.add_parser("version", help="print versions",
                            description="Print the versions of the mod_python "
                                        "package, mod_python.so, Apache and "
                                        "Python.")
    _add_apache_options(p)
    p.set_defaults(run=version)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as exc:
        print("mod_python %s: %s" % (args.command, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
