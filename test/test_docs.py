"""The manual in Doc/: it builds with Sphinx without warnings, and its code
examples run against a real httpd and do what the text says.

How an example is tested
------------------------

Code in the manual is a literal block (a paragraph ending in ``::``, or
``.. code-block:: python``).  Right after a block, rst comments (invisible
in the built manual) say what to do with it, one per line::

    .. example NAME: ACTION ARGUMENTS

NAME groups the blocks and checks of one example (per .rst file); each
example gets its own directory D and virtual host NAME-FILE.docs.test.
ACTION is one of:

``file PATH``
    the block above is the file D/PATH (several blocks for one PATH are
    concatenated; ``from mod_python import apache`` is prepended when the
    code uses ``apache.`` without importing it).
``body PATH``
    the block above is the body of ``def handler(req)`` in D/PATH
    (``return apache.OK`` is added when it has no ``return``).
``setup STATEMENT``
    a line put before the next ``body`` (for names a fragment takes from
    its context).
``config FROM [FROM ...] [port=N]``
    the block above is the Apache configuration of the example, with each
    path FROM replaced by D and the port N by a free one.  It goes inside
    the example's <VirtualHost>, unless it has its own.
``handler MODULE[::OBJECT]``
    no configuration block: run it for every URL of the virtual host
    (``SetHandler mod_python``, ``PythonHandler``, ``PythonDebug On``).
``directive TEXT``
    one more directive in that generated <Directory D> section.
``write PATH TEXT``
    a data file D/PATH holding TEXT (shlex-quoted).
``GET|POST PATH [auth=USER:PASSWORD] [data=TEXT] [form=K=V&...] [cookie=TEXT] -> STATUS [EXPECT ...]``
    a request (``data``: a raw body, ``form``: an urlencoded form,
    ``cookie``: the Cookie header, without spaces) and what
    must come back; EXPECT is ``body=TEXT`` (the whole
    body), ``body~TEXT`` (contained), ``header:NAME=TEXT``,
    ``header:NAME~TEXT``, ``log~TEXT`` (written to the error log).
``TCP TEXT -> TEXT``
    send TEXT to the example's own port (``config ... port=N``), expect
    the reply (both with \\n escapes).
``skip REASON``
    the block above is deliberately not run (a sketch, a syntax summary).

Every block that looks like Python (it parses, and imports something,
defines a function or uses ``req.``/``apache.``) must have a ``file``,
``body`` or ``skip`` comment: test_every_python_example_is_tested says
which ones lack one.
"""

import ast
import codecs
import os
import re
import shlex
import shutil
import socket
import subprocess
import textwrap
import urllib.parse
from pathlib import Path

import pytest

from harness import REPO, Httpd, free_port, modules_dir

DOC = REPO / "Doc"
COMMENT = re.compile(r"^\s*\.\. example ([\w-]+): (\w+|GET|POST|TCP)\b ?(.*)$")
CODE_BLOCK = re.compile(r"^(\s*)\.\. code-block::\s*(\S*)\s*$")
REQUEST = re.compile(r"^(\S+)((?: \S+=\S+)*) -> (\d{3})\s*(.*)$")


# ------------------------------------------------------------ parsing

class Block:
    def __init__(self, path, line, text, language):
        self.path, self.line, self.text = path, line, text
        self.language = language
        self.actions = []

    def where(self):
        return "%s:%d" % (self.path.relative_to(REPO), self.line)

    def looks_like_python(self):
        if self.language == "python":
            return True
        if self.language:
            return False
        try:
            ast.parse(self.text)
        except SyntaxError:
            return False
        return bool(re.search(r"^\s*(import|from|def|class)\s|req\.|apache\.",
                              self.text, re.M))


def _indent(line):
    return len(line) - len(line.lstrip())


def literal_blocks(path):
    """The literal blocks of an .rst file with the example comments that
    follow each."""
    lines = path.read_text().splitlines()
    blocks, last = [], None
    i = 0
    while i < len(lines):
        line = lines[i]
        comment = COMMENT.match(line)
        if comment:
            if last is None:
                raise AssertionError("%s:%d: example comment before any code "
                                     "block" % (path, i + 1))
            last.actions.append((comment.group(1), comment.group(2),
                                 comment.group(3), i + 1))
            i += 1
            continue
        code = CODE_BLOCK.match(line)
        opens = code or (line.rstrip().endswith("::")
                         and not line.lstrip().startswith(".."))
        if not opens:
            i += 1
            continue
        indent = _indent(line)
        j = i + 1
        if code:
            while j < len(lines) and lines[j].strip().startswith(":"):
                j += 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or _indent(lines[j]) <= indent:
            i += 1
            continue
        body_indent, start = _indent(lines[j]), j
        while j < len(lines) and (not lines[j].strip()
                                  or _indent(lines[j]) >= body_indent):
            j += 1
        text = textwrap.dedent("\n".join(lines[start:j])).strip("\n") + "\n"
        last = Block(path, start + 1, text, code.group(2) if code else "")
        blocks.append(last)
        i = j
    return blocks


def doc_files():
    return sorted(DOC.glob("*.rst"))


def all_blocks():
    return [block for path in doc_files() for block in literal_blocks(path)]


class Example:
    def __init__(self, path, name):
        self.path, self.name = path, name
        self.id = "%s-%s" % (path.stem, name)
        self.host = "%s.docs.test" % self.id
        self.files = {}
        self.config = None
        self.config_paths = []
        self.port_from = None
        self.directives = []
        self.checks = []
        self.setup = []
        self.port = None

    def add(self, block, action, args, line):
        where = "%s:%d" % (block.path.name, line)
        if action == "file":
            code = block.text
            if "apache." in code and "import apache" not in code \
                    and args not in self.files:
                code = "from mod_python import apache\n\n" + code
            self.files[args] = self.files.get(args, "") + code
        elif action == "setup":
            self.setup.append(args)
        elif action == "body":
            body = "".join(line + "\n" for line in self.setup) + block.text
            if not re.search(r"^return\b", body, re.M):
                body += "return apache.OK\n"
            self.files[args] = ("from mod_python import apache\n\n\n"
                                "def handler(req):\n"
                                + textwrap.indent(body, "    "))
        elif action == "config":
            self.config = block.text
            for word in args.split():
                if word.startswith("port="):
                    self.port_from = word[len("port="):]
                else:
                    self.config_paths.append(word.rstrip("/"))
        elif action == "handler":
            self.directives += ["SetHandler mod_python",
                                "PythonHandler %s" % args, "PythonDebug On"]
        elif action == "directive":
            self.directives.append(args)
        elif action == "write":
            path, text = shlex.split(args)
            self.files[path] = text
        elif action in ("GET", "POST", "TCP"):
            self.checks.append((action, args, where))
        elif action != "skip":
            raise AssertionError("%s: unknown example action %r"
                                 % (where, action))

    def stock_grants(self):
        """Whether Apache as shipped lets clients into this example's
        directory without the example saying so: Debian's apache2.conf
        denies every directory (``<Directory />``) but grants /var/www,
        the home of the default DocumentRoot.  The docs server denies the
        examples' directories likewise, so a printed ``<Directory>`` for a
        directory of one's own must carry its ``Require``."""
        if "<Directory" not in self.config:
            return True             # <Location> etc. in the DocumentRoot
        return all(path.startswith("/var/www/")
                   for path in self.config_paths
                   if "<Directory %s" % path in self.config)

    def directory(self, root):
        return Path(root) / self.id

    def render(self, root):
        """The configuration of this example (with {port} for the harness)."""
        directory = str(self.directory(root))
        if self.config is None:
            inner = ["<Directory %s>" % directory,
                     "    Require all granted"]
            inner += ["    " + line for line in self.directives]
            inner.append("</Directory>")
            text = "\n".join(inner)
        else:
            text = self.config
            for path in self.config_paths:
                text = text.replace(path, directory)
            if self.port_from:
                text = re.sub(r":%s\b" % self.port_from, ":%d" % self.port,
                              text)
            if self.directives:
                text += "<Directory %s>\n%s\n</Directory>\n" % (
                    directory, "\n".join(self.directives))
            if self.stock_grants():
                text = ("<Directory %s>\n    Require all granted\n"
                        "</Directory>\n" % directory) + text
        if "<VirtualHost" in text:
            return text
        return ("<VirtualHost *:{port}>\n    ServerName %s\n"
                "    DocumentRoot %s\n%s\n</VirtualHost>\n"
                % (self.host, directory, textwrap.indent(text, "    ")))


def examples():
    found = {}
    for block in all_blocks():
        for name, action, args, line in block.actions:
            key = (block.path, name)
            if key not in found:
                found[key] = Example(block.path, name)
            found[key].add(block, action, args.strip(), line)
    return [example for example in found.values()
            if example.files or example.checks]


EXAMPLES = examples()


# ------------------------------------------------------------ serving

def _check_request(server, example, method, args, where):
    if method == "TCP":
        sent, _, expected = args.partition(" -> ")
        sent = codecs.decode(shlex.split(sent)[0], "unicode_escape")
        expected = codecs.decode(shlex.split(expected)[0], "unicode_escape")
        with socket.create_connection(("127.0.0.1", example.port),
                                      timeout=10) as sock:
            sock.sendall(sent.encode())
            reply = b""
            while len(reply) < len(expected.encode()):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
        assert reply.decode() == expected, where
        return
    match = REQUEST.match(args)
    if not match:
        raise AssertionError("%s: cannot read the request %r" % (where, args))
    path, options, status, expects = match.groups()
    kwargs = {}
    for option in options.split():
        key, _, value = option.partition("=")
        if key == "auth":
            kwargs["auth"] = tuple(value.split(":", 1))
        elif key == "data":
            kwargs["data"] = value.encode()
        elif key == "form":
            kwargs["data"] = dict(urllib.parse.parse_qsl(value))
        elif key == "cookie":
            kwargs["headers"] = {"Cookie": value}
    offset = server.error_log_size()
    response = server.request(method, path, host=example.host, **kwargs)
    assert response.status_code == int(status), (
        "%s: %s %s gave %d:\n%s" % (where, method, path,
                                    response.status_code, response.text))
    for expect in shlex.split(expects):
        key, op, value = re.match(r"^([\w:-]+)([=~])(.*)$", expect,
                                  re.S).groups()
        if key == "body":
            actual = response.text
        elif key.startswith("header:"):
            actual = response.headers.get(key[len("header:"):], "")
        elif key == "log" and op == "~":
            actual = server.wait_for_log(value, since=offset)
        else:
            raise AssertionError("%s: unknown expectation %r" % (where, key))
        if op == "=":
            assert actual == value, "%s: %s is %r" % (where, key, actual)
        else:
            assert value in actual, "%s: %s is %r" % (where, key, actual)


@pytest.fixture(scope="module")
def docs_server(mpm, tmp_path_factory):
    """One httpd serving every example of the manual."""
    root = tmp_path_factory.mktemp("docs-htdocs")
    server = Httpd(mpm, name="mp-docs", htdocs=root)
    htdocs = server.htdocs
    for example in EXAMPLES:
        directory = example.directory(htdocs)
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in example.files.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text)
        if example.port_from:
            example.port = free_port()
    subprocess.run(["chmod", "-R", "a+rX", str(htdocs)], check=True)
    # mod_include for the <!--#python--> examples of ssi.rst
    # Apache 2.4 as shipped: a directory nobody granted is refused
    # (Example.stock_grants)
    body = ("<Directory %s>\n    Require all denied\n</Directory>\n"
            % htdocs)
    body += ("<IfModule !include_module>\n    LoadModule include_module "
            "%s/mod_include.so\n</IfModule>\n" % modules_dir())
    body += "\n".join(example.render(htdocs) for example in EXAMPLES)
    server.config_body = body
    server.conf.write_text(server.render_config(body))
    try:
        server.start()
    except Exception:
        server.cleanup()
        raise
    yield server
    server.stop()
    crashes = server.crash_lines()
    server.cleanup()
    assert not crashes, crashes


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example(docs_server, example):
    assert example.checks, "%s: example %r has no GET/POST/TCP check" % (
        example.path.name, example.name)
    for method, args, where in example.checks:
        _check_request(docs_server, example, method, args, where)


def test_every_python_example_is_tested():
    untested = [block.where() for block in all_blocks()
                if block.looks_like_python()
                and not any(action in ("file", "body", "skip")
                            for _, action, _, _ in block.actions)]
    assert not untested, (
        "Python examples in Doc/ without an `.. example NAME: file PATH` (or "
        "body/skip) comment after them (see test/test_docs.py):\n  "
        + "\n  ".join(untested))


def test_examples_found():
    assert len(EXAMPLES) >= 10
    files = {example.path.name for example in EXAMPLES}
    assert {"tutorial.rst", "handlers.rst", "filters.rst",
            "logging.rst"} <= files


# ------------------------------------------------------------ building

def test_manual_builds_without_warnings(tmp_path):
    """make -C Doc html (sphinx-build -W: warnings are errors)."""
    if not shutil.which("sphinx-build"):
        pytest.skip("sphinx-build is not installed (apt-get install "
                    "python3-sphinx; scripts/install-deps.sh does)")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    result = subprocess.run(["make", "-C", str(DOC), "html",
                             "BUILDDIR=%s" % (tmp_path / "build")],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    html = tmp_path / "build" / "html"
    for page in ("index", "cli", "logging", "troubleshooting", "tutorial",
                 "directives", "api", "handlers", "filters", "migration",
                 "strbytes", "installation"):
        assert (html / ("%s.html" % page)).is_file(), page
