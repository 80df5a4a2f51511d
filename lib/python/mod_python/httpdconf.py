# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.httpdconf: Apache httpd configuration written as Python.

The classes of mod_python 3.5's module of that name, which its test suite
and ``mod_python genconfig SCRIPT`` use::

    >>> from mod_python.httpdconf import *
    >>> conf = Directory("/srv/app", SetHandler("mod_python"),
    ...                  PythonHandler("app"))
    >>> print(conf)
    <Directory /srv/app>
      SetHandler mod_python
      PythonHandler app
    </Directory>

``str()`` of an object is configuration text; ``repr()`` is the Python
that makes it again, so a configuration can be kept as a Python script
(``write_basic_config``) and turned into httpd.conf by running it.  Any
directive missing here is one line away::

    class MyDirective(Directive):
        def __init__(self, val):
            Directive.__init__(self, self.__class__.__name__, val)
"""

import os
import sys
import types


def _flip(text, flipslash):
    """Backslashes (Windows paths) as slashes when flipslash, as 3.5 did."""
    return text.replace("\\", "/") if flipslash else text


class Directive:
    """One directive: its name and its arguments, as one string."""

    def __init__(self, name, val, flipslash=1):
        self.name = name
        self.val = val
        self.indent = 0
        self.flipslash = flipslash

    def _slashes(self, text):
        return _flip(text, self.flipslash)

    def __str__(self):
        return self._slashes("%s%s %s\n" % (" " * self.indent, self.name,
                                            self.val))

    def __repr__(self):
        # slashes turned in the value, not in its repr's escapes
        return "%s%s(%r)" % (" " * self.indent, self.name,
                             self._slashes(self.val))


class Container:
    """Objects rendered one after the other.  only_if: a Python expression
    evaluated when the container is rendered; false leaves it out."""

    def __init__(self, *args, **kwargs):
        self.args = []
        for arg in args:
            self.append(arg)
        self.indent = 0
        self.only_if = kwargs.get("only_if")

    def append(self, value):
        if not isinstance(value, _RENDERABLE):
            raise TypeError("appended value must be an instance of "
                            "Directive, Container, ContainerTag or Comment, "
                            "not %s" % type(value).__name__)
        self.args.append(value)

    def __str__(self):
        if self.only_if and not eval(self.only_if, _only_if_namespace()):
            return ""
        parts = []
        for arg in self.args:
            arg.indent = self.indent
            parts.append(str(arg))
        return "".join(parts)

    def __repr__(self):
        margin = " " * self.indent
        parts = [margin + "Container("]
        for arg in self.args:
            arg.indent = self.indent + 4
            parts.append("\n%r," % (arg,))
        if self.only_if:
            parts.append("\n%s    only_if=%r)" % (margin, self.only_if))
        else:
            parts.append("\n%s)" % margin)
        return "".join(parts)


class ContainerTag:
    """A section such as <Directory attr> ... </Directory>."""

    def __init__(self, tag, attr, args, flipslash=1):
        self.tag = tag
        self.attr = attr
        self.args = args
        self.indent = 0
        self.flipslash = flipslash

    def _slashes(self, text):
        return _flip(text, self.flipslash)

    def __str__(self):
        margin = " " * self.indent
        parts = [self._slashes("%s<%s %s>\n" % (margin, self.tag,
                                                 self.attr))]
        for arg in self.args:
            arg.indent = self.indent + 2
            parts.append(str(arg))
        parts.append("%s</%s>\n" % (margin, self.tag))
        return "".join(parts)

    def __repr__(self):
        margin = " " * self.indent
        parts = ["%s%s(%r," % (margin, self.tag, self._slashes(self.attr))]
        for arg in self.args:
            arg.indent = self.indent + 4
            parts.append("\n%r," % (arg,))
        parts.append("\n%s)" % margin)
        return "".join(parts)


class Comment:
    """A comment; each line of the text gets its "# "."""

    def __init__(self, comment):
        self.comment = comment
        self.indent = 0

    def __str__(self):
        margin = " " * self.indent
        return "".join("%s# %s\n" % (margin, line)
                       for line in self.comment.splitlines())

    def __repr__(self):
        margin = " " * self.indent
        lines = self.comment.splitlines() or [""]
        text = "%sComment(%r" % (margin, lines[0] + "\n")
        for line in lines[1:]:
            text += "\n        %s%r" % (margin, line + "\n")
        return text + ")"


_RENDERABLE = (Directive, Container, ContainerTag, Comment)


# ------------------------------------------------- the named directives

def _directive_class(name, flipslash=1, default=None):
    """A Directive subclass whose name is the directive's."""
    if default is None:
        def __init__(self, val):
            Directive.__init__(self, type(self).__name__, val, flipslash)
    else:
        def __init__(self, val=default):
            Directive.__init__(self, type(self).__name__, val, flipslash)
    return type(name, (Directive,), {"__init__": __init__,
                                     "__module__": __name__,
                                     "__doc__": "The %s directive." % name})


def _section_class(name):
    """A ContainerTag subclass: Name(attr, *contents)."""
    def __init__(self, attr, *args):
        ContainerTag.__init__(self, type(self).__name__, attr, args)
    return type(name, (ContainerTag,), {"__init__": __init__,
                                        "__module__": __name__,
                                        "__doc__": "<%s ...> ... </%s>"
                                        % (name, name)})


_DIRECTIVES = (
    # mod_python's
    "PythonAccessHandler", "PythonAuthenHandler", "PythonAuthzHandler",
    "PythonAutoReload", "PythonCleanupHandler", "PythonConnectionHandler",
    "PythonDebug", "PythonEnablePdb", "PythonFixupHandler", "PythonHandler",
    "PythonHandlerModule", "PythonHeaderParserHandler", "PythonImport",
    "PythonInitHandler", "PythonInputFilter", "PythonInterpreter",
    "PythonLogHandler", "PythonOptimize", "PythonOption",
    "PythonOutputFilter", "PythonPostReadRequestHandler",
    "PythonTransHandler", "PythonTypeHandler",
    # httpd's (3.5's set, and a few more 2.4 configurations need)
    "AddHandler", "AddOutputFilter", "AddType", "Alias",
    "AuthBasicAuthoritative", "AuthBasicProvider", "AuthName", "AuthType",
    "AuthUserFile", "CustomLog", "DirectoryIndex", "DocumentRoot",
    "ErrorLog", "Group", "Include", "KeepAlive", "KeepAliveTimeout",
    "Listen", "LoadModule", "LockFile", "LimitRequestBody", "LogLevel",
    "MaxClients", "MaxConnectionsPerChild", "MaxRequestWorkers",
    "MaxRequestsPerChild", "MaxSpareServers", "MaxSpareThreads",
    "MaxThreadsPerChild", "MinSpareServers", "MinSpareThreads", "Mutex",
    "NameVirtualHost", "NumServers", "Options", "PidFile", "Require",
    "ServerAdmin", "ServerLimit", "ServerName", "ServerPath", "ServerRoot",
    "SetHandler", "StartServers", "StartThreads", "ThreadsPerChild",
    "Timeout", "TypesConfig", "User",
)
# arguments that are Python or format strings: backslashes are meant
_VERBATIM = ("LogFormat", "PythonPath")
_OFF_BY_DEFAULT = ("PythonInterpPerDirectory", "PythonInterpPerDirective")
_SECTIONS = ("Directory", "DirectoryMatch", "Files", "FilesMatch",
             "IfDefine", "IfModule", "Location", "LocationMatch",
             "VirtualHost")

__all__ = ["Directive", "Container", "ContainerTag", "Comment",
           "quote_if_space", "write_basic_config"]


def _export(cls):
    globals()[cls.__name__] = cls
    __all__.append(cls.__name__)


for _name in _DIRECTIVES:
    _export(_directive_class(_name))
for _name in _VERBATIM:
    _export(_directive_class(_name, flipslash=0))
for _name in _OFF_BY_DEFAULT:
    _export(_directive_class(_name, default="Off"))
for _name in _SECTIONS:
    _export(_section_class(_name))
del _name


# ----------------------------------------------------------- only_if

def _only_if_namespace():
    """What an only_if expression sees: this module's names, and
    ``mod_python.version`` holding the build constants 3.5 kept there
    (HTTPD, HTTPD_VERSION, LIBEXECDIR, SYSCONFDIR, PYTHON_BIN, version),
    found the way the mod_python command finds Apache."""
    namespace = dict(globals())
    namespace["mod_python"] = types.SimpleNamespace(version=_build_info())
    return namespace


_BUILD_INFO = None


def _build_info():
    global _BUILD_INFO
    if _BUILD_INFO is None:
        import mod_python
        from mod_python import cli
        info = {"version": mod_python.version, "PYTHON_BIN": sys.executable,
                "HTTPD": "", "HTTPD_VERSION": "", "LIBEXECDIR": "",
                "SYSCONFDIR": ""}
        try:
            apache = cli.find_apache()
        except cli.CliError:
            apache = None
        if apache is not None:
            info["HTTPD"] = apache.binary
            info["LIBEXECDIR"] = apache.modules_dir
            found = (apache.version() or "").partition("/")[2]
            info["HTTPD_VERSION"] = found.split()[0] if found else ""
            apxs = cli.find_apxs()
            values = cli.apxs_query(apxs, "SYSCONFDIR") if apxs else None
            if values:
                info["SYSCONFDIR"] = values[0]
        _BUILD_INFO = types.SimpleNamespace(**info)
    return _BUILD_INFO


# ---------------------------------------------------------- utilities

def quote_if_space(s):
    """s in double quotes if it has a space (a path as an argument)."""
    return '"%s"' % s if " " in s else s


_SCRIPT_HEADER = '''\
#!%s
#
# Apache configuration written as Python (mod_python.httpdconf): edit it,
# then make httpd.conf from it with
#     mod_python genconfig %s > httpd.conf
#
from mod_python.httpdconf import *

'''


def write_basic_config(server_root, listen="0.0.0.0:8888", conf="conf",
                       logs="logs", htdocs="public",
                       pythonhandler="mod_python.publisher", pythonpath=(),
                       pythonoptions=(), mp_comments=(),
                       conf_name="httpd_conf.py", createdirs=True,
                       replace_config=False):
    """Write SERVER_ROOT/CONF/CONF_NAME, a Python script printing a
    complete Apache configuration that serves SERVER_ROOT/HTDOCS with
    pythonhandler, as mod_python 3.5's ``mod_python create`` did.
    Returns the script's path, or None if it exists (and not
    replace_config)."""
    from mod_python import cli
    server_root = os.path.abspath(server_root)
    script = os.path.join(server_root, conf, conf_name)
    if os.path.exists(script) and not replace_config:
        print("mod_python.httpdconf: %s exists, not replaced" % script,
              file=sys.stderr)
        return None
    if createdirs:
        for sub in ("", htdocs, conf, logs):
            os.makedirs(os.path.join(server_root, sub), exist_ok=True)
    apache = cli.find_apache()
    modules = Container(Comment("\nModules: the MPM and the standard set "
                                "this configuration needs:\n"))
    for line in cli.load_module_lines(apache, "event"):
        modules.append(LoadModule(line.split(" ", 1)[1]))
    try:
        module = str(cli.find_module(None, apache))
    except cli.ModuleMismatch:
        raise
    except cli.CliError:
        module = os.path.join(apache.modules_dir, "mod_python.so")
    main = Container(
        Comment("\nThe server:\n"),
        ServerRoot(quote_if_space(server_root)),
        ServerName("127.0.0.1"),
        Listen(listen),
        PidFile(quote_if_space(os.path.join(logs, "httpd.pid"))),
        ErrorLog(quote_if_space(os.path.join(logs, "error_log"))),
        LogLevel("warn"),
        LogFormat(r'"%h %l %u %t \"%r\" %>s %b" common'),
        CustomLog("%s common" % quote_if_space(os.path.join(logs,
                                                            "access_log"))),
        TypesConfig(quote_if_space(cli.mime_types_file(apache)
                                   or "/etc/mime.types")),
        MaxConnectionsPerChild("65536"),
        DocumentRoot(quote_if_space(os.path.join(server_root, htdocs))))
    handler = Directory(
        quote_if_space(os.path.join(server_root, htdocs)),
        Require("all granted"),
        SetHandler("mod_python"),
        Comment("PythonDebug On"),
        PythonHandler(pythonhandler))
    if pythonpath:
        handler.args += (PythonPath('"sys.path+%r"' % (list(pythonpath),)),)
    handler.args += tuple(PythonOption(option) for option in pythonoptions)
    handler.args += tuple(Comment(comment) for comment in mp_comments)
    python = Container(
        Comment("\nmod_python:\n"),
        LoadModule("python_module %s" % quote_if_space(module)),
        handler)
    config = Container(modules, main, python)
    with open(script, "w") as out:
        out.write(_SCRIPT_HEADER % (sys.executable, script))
        out.write("config = %r\n\nprint(config)\n" % (config,))
    return script
