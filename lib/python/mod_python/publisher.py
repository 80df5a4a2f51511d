# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.publisher: publish the functions and values of a module.

Configuration::

    <Directory /some/path>
        AddHandler mod_python .py
        PythonHandler mod_python.publisher
    </Directory>

With ``hello.py`` in that directory holding ``def say(req, what="NOTHING")``,
``/hello.py/say?what=hi`` calls ``say(req, what="hi")`` and sends the
result.  The algorithm (manual section 6.1):

* Traversal.  The module is ``req.filename`` without its extension
  (``index`` for a directory, or when the file does not exist, in which case
  its name becomes the first path element); the path info, split on ``/``
  and ``.``, names the object inside it (``index`` when empty).
* Security.  These are never traversed nor published: names starting with
  ``_`` and modules (404, as the manual says); classes, functions, methods
  and builtins met on the way (403); and as the published object, classes,
  builtins and any function or method that was not defined in the
  published module itself, e.g. one brought in with ``from os import ...``
  (403).  So nothing reached through an imported module can be called.
* Authentication.  At the module and at every object on the path,
  ``__auth__`` (a function ``(req, user, password)``, a dict user ->
  password, or a constant), ``__access__`` (a function ``(req, user)``, a
  list of users, or a constant) and ``__auth_realm__`` are honoured, in
  that order: failure gives 401 (with a Basic challenge) or 403.  For a
  function they may be function attributes, or defined inside its body
  (``def __auth__(...)`` or a constant assignment).
* Invocation.  A callable is called with the form fields (``req.form``, a
  util.FieldStorage) it accepts as keyword arguments, and ``req`` if it
  has a ``req`` parameter; a ``**kwargs`` parameter takes every field; a
  missing required argument gives 400.  Anything else is published as
  ``str(object)``.
* Output.  ``None`` sends nothing, ``bytes`` are sent as they are, any
  other value as UTF-8 text (or in the charset of a content type the
  handler set).  Unless the handler set ``req.content_type`` it is
  ``text/html`` when the output starts with ``<html`` or ``<!doctype``
  (ignoring case and leading white space), else ``text/plain``.
"""

import base64
import binascii
import dis
import functools
import hashlib
import hmac
import html
import inspect
import os
import re
import stat
import sys
import threading
import types

from mod_python import apache, util

__all__ = ["handler"]

_METHODS = ("GET", "POST", "HEAD")


def handler(req):
    """The content handler: find, check, call and send the object."""
    if req.method not in _METHODS:
        req.allow_methods(list(_METHODS))
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    module, names = _find_module(req)
    auth = _Credentials(req)
    auth.check(module)
    target = _traverse(req, module, names, auth)
    _check_publishable(req, module, target)
    if callable(target):
        result = _call(req, target)
    else:
        result = target
    _send(req, result)
    return apache.OK


# ------------------------------------------------------------- traversal

def _find_module(req):
    """(page module, object path elements) for this request; also points
    req.filename at the module's file."""
    filename = req.filename or ""
    path_info = req.path_info or ""
    if filename.endswith("/"):
        directory, name = filename, "index"
    else:
        directory, name = os.path.split(filename)
        name = os.path.splitext(name)[0] or "index"
    module_file = os.path.join(directory, name + ".py")
    found = _load_page(req, module_file)
    if found is None and name != "index":
        if os.path.isdir(filename):
            module_file = os.path.join(filename, "index.py")
        else:
            # /dir/name/... with no name.py: look for name in index.py
            path_info = "/" + name + path_info
            module_file = os.path.join(directory, "index.py")
        found = _load_page(req, module_file)
    if found is None:
        _refuse(req, apache.HTTP_NOT_FOUND, "no module %s" % module_file)
    req.filename = module_file
    path = path_info.strip("/")
    return found, (_PATH_SEPARATORS.split(path) if path else ["index"])


_PATH_SEPARATORS = re.compile(r"[/.]")


def _refuse(req, status, why):
    req.log_error("mod_python.publisher: %s: %s" % (req.uri, why),
                  apache.APLOG_INFO)
    raise apache.SERVER_RETURN(status)


def _not_traversable(obj):
    """Why obj may not be looked into, or None if it may."""
    if inspect.ismodule(obj):
        return "a module"
    if inspect.isclass(obj):
        return "a class"
    if inspect.isroutine(obj) or inspect.iscode(obj) \
            or inspect.isframe(obj) or inspect.istraceback(obj) \
            or inspect.isgenerator(obj) or inspect.iscoroutine(obj) \
            or inspect.isasyncgen(obj) or isinstance(obj, types.CellType):
        return "a %s" % type(obj).__name__
    return None


def _traverse(req, module, names, auth):
    obj = module
    for name in names:
        if not name or name.startswith("_"):
            _refuse(req, apache.HTTP_NOT_FOUND,
                    "%r is hidden (empty or starts with '_')" % name)
        if obj is not module:
            why = _not_traversable(obj)
            if why is not None:
                status = (apache.HTTP_NOT_FOUND if inspect.ismodule(obj)
                          else apache.HTTP_FORBIDDEN)
                _refuse(req, status, "cannot look into %s to find %r"
                        % (why, name))
        try:
            obj = getattr(obj, name)
        except AttributeError:
            _refuse(req, apache.HTTP_NOT_FOUND, "no object %r" % name)
        if inspect.ismodule(obj):
            _refuse(req, apache.HTTP_NOT_FOUND, "%r is a module" % name)
        auth.check(obj)
    return obj


def _defining_function(obj):
    """The Python function that runs when obj is called, or None."""
    if isinstance(obj, types.FunctionType):
        return obj
    if isinstance(obj, types.MethodType):
        return _defining_function(obj.__func__)
    if not inspect.isclass(obj) and not inspect.isroutine(obj):
        call = getattr(type(obj), "__call__", None)
        if isinstance(call, types.FunctionType):
            return call
    return None


def _check_publishable(req, module, obj):
    """Refuse classes, builtins and code that is not the module's own."""
    if inspect.isclass(obj):
        _refuse(req, apache.HTTP_FORBIDDEN, "a class is not published")
    if not callable(obj):
        return
    function = _defining_function(obj)
    if function is None:
        _refuse(req, apache.HTTP_FORBIDDEN,
                "%s objects are not published" % type(obj).__name__)
    if function.__globals__ is not vars(module):
        _refuse(req, apache.HTTP_FORBIDDEN,
                "%s is defined in %s, not in the published module"
                % (function.__qualname__, function.__module__))


# ---------------------------------------------------------- authentication

_NOT_FOUND = object()


_AUTH_NAMES = ("__auth__", "__access__", "__auth_realm__")


def _nested_definition(function, name):
    """What a function body binds to name (a nested def, or a constant
    assignment), as the 3.x publisher read it; _NOT_FOUND if nothing."""
    found = _code_definitions(function.__code__).get(name, _NOT_FOUND)
    if inspect.iscode(found):
        closure = tuple(types.CellType() for _ in found.co_freevars)
        return types.FunctionType(found, function.__globals__, name, None,
                                  closure or None)
    return found


@functools.lru_cache(maxsize=1024)
def _code_definitions(code):
    """{name: constant or code object} for the auth names a function body
    binds to a nested def or a constant."""
    wanted = [name for name in _AUTH_NAMES
              if name in code.co_varnames or name in code.co_cellvars]
    if not wanted:
        return {}
    found = {}
    for const in code.co_consts:
        if inspect.iscode(const) and const.co_name in wanted:
            found[const.co_name] = const
    previous = None
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("STORE_FAST", "STORE_DEREF") \
                and instruction.argval in wanted \
                and instruction.argval not in found \
                and previous is not None and previous.opname == "LOAD_CONST":
            found[instruction.argval] = previous.argval
        previous = instruction
    return found


def _auth_attributes(obj):
    """[__auth__, __access__, __auth_realm__] of obj, _NOT_FOUND if absent.

    For a function (or method) they are its function attributes, else what
    its body binds them to (nested def or constant)."""
    if inspect.ismodule(obj):
        namespace = vars(obj)
        return [namespace.get(name, _NOT_FOUND) for name in _AUTH_NAMES]
    function = _defining_function(obj) if callable(obj) else None
    if function is None:
        return [getattr(obj, name, _NOT_FOUND) for name in _AUTH_NAMES]
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        attributes = function.__dict__
        found = [attributes.get(name, _NOT_FOUND) for name in _AUTH_NAMES]
    else:
        found = [getattr(obj, name, _NOT_FOUND) for name in _AUTH_NAMES]
    nested = _code_definitions(function.__code__)
    if nested:
        for i, name in enumerate(_AUTH_NAMES):
            if found[i] is _NOT_FOUND and name in nested:
                found[i] = _nested_definition(function, name)
    return found


class _Credentials:
    """The Basic credentials of a request, parsed once, and the checks."""

    def __init__(self, req):
        self.req = req
        self.realm = "unknown"
        self._parsed = False
        self.user = self.password = None

    def _parse(self):
        if self._parsed:
            return
        self._parsed = True
        header = self.req.headers_in.get("Authorization", "")
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            _refuse(self.req, apache.HTTP_BAD_REQUEST,
                    "malformed Basic credentials")
        user, colon, password = decoded.decode(
            "utf-8", "surrogateescape").partition(":")
        if not colon:
            _refuse(self.req, apache.HTTP_BAD_REQUEST,
                    "malformed Basic credentials")
        self.user, self.password = user, password

    def _challenge(self):
        realm = str(self.realm).replace("\\", "\\\\").replace('"', '\\"')
        self.req.err_headers_out["WWW-Authenticate"] = \
            'Basic realm="%s"' % realm
        _refuse(self.req, apache.HTTP_UNAUTHORIZED,
                "authentication required (realm %r)" % self.realm)

    def check(self, obj):
        """Apply the __auth__ / __access__ / __auth_realm__ of obj."""
        auth, access, realm = _auth_attributes(obj)
        if realm is not _NOT_FOUND:
            self.realm = realm
        if auth is not _NOT_FOUND:
            self._parse()
            if self.user is None:
                self._challenge()
            if not self._authenticated(auth):
                self._challenge()
        if access is not _NOT_FOUND:
            self._parse()
            if not self._allowed(access):
                _refuse(self.req, apache.HTTP_FORBIDDEN,
                        "user %r may not access this object" % self.user)

    def _authenticated(self, auth):
        if callable(auth):
            return auth(self.req, self.user, self.password)
        if isinstance(auth, dict):
            expected = auth.get(self.user)
            return expected is not None and _same(expected, self.password)
        return auth

    def _allowed(self, access):
        if callable(access):
            return access(self.req, self.user)
        if isinstance(access, (list, tuple, set, frozenset, dict)):
            return self.user in access
        return access


def _same(a, b):
    """Compare two passwords in constant time."""
    return hmac.compare_digest(_as_bytes(a), _as_bytes(b))


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")


# ----------------------------------------------------------- invocation

def _call(req, target):
    form = getattr(req, "form", None)
    if not isinstance(form, util.FieldStorage):
        form = req.form = util.FieldStorage(req, keep_blank_values=1)
    try:
        return util.apply_fs_data(target, form, req=req)
    except util.ArgumentError as error:
        req.notes["error-notes"] = html.escape(str(error))
        _refuse(req, apache.HTTP_BAD_REQUEST, str(error))


_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


def _looks_like_html(start):
    start = start.lstrip()[:9].lower()
    return start.startswith(("<html", "<!doctype"))


def _send(req, result):
    if result is None:
        return
    if isinstance(result, (bytes, bytearray)):
        data = bytes(result)
        charset = None
        is_html = _looks_like_html(data[:1024].decode("latin-1"))
    else:
        text = result if isinstance(result, str) else str(result)
        charset = "utf-8"
        if req._content_type_set:
            match = _CHARSET.search(req.content_type or "")
            if match:
                charset = match.group(1)
        data = text.encode(charset, "surrogateescape")
        is_html = _looks_like_html(text[:1024])
    if not req._content_type_set:
        ctype = "text/html" if is_html else "text/plain"
        req.content_type = ctype + ("; charset=" + charset if charset
                                    else "")
    req.write(data, flush=False)


# --------------------------------------------------------- page modules

_pages = {}                  # module file -> (module, mtime_ns)
_pages_lock = threading.Lock()


def _load_page(req, filename):
    """The module in filename (None if there is no such file), loaded, or
    reloaded when it changed and PythonAutoReload is on, under a private
    name.

    Pages are not put in sys.modules under their own names, so a page
    called string.py or email.py cannot shadow a library module, and two
    directories may each have an index.py.
    """
    entry = _pages.get(filename)
    if entry is not None:
        config = req.get_config()
        if config.get("PythonAutoReload", "1") == "0":
            # no stat: it releases the GIL, a costly handoff under load
            return entry[0]
    try:
        info = os.stat(filename)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if entry is not None and entry[1] == info.st_mtime_ns:
        return entry[0]
    config = req.get_config()
    with _pages_lock:
        entry = _pages.get(filename)
        if entry is not None and entry[1] == info.st_mtime_ns:
            return entry[0]
        module = _exec_page(filename)
        _pages[filename] = (module, info.st_mtime_ns)
    if config.get("PythonDebug", "0") != "0":
        req.log_error("mod_python.publisher: %s %s"
                      % ("reloaded" if entry else "loaded", filename),
                      apache.APLOG_NOTICE)
    return module


def _exec_page(filename):
    """Execute filename as a fresh module named after a hash of its path
    (registered in sys.modules under that name only once it ran)."""
    digest = hashlib.sha1(filename.encode("utf-8", "surrogateescape"))
    name = "_mp_page_" + digest.hexdigest()[:16]
    module = types.ModuleType(name)
    module.__file__ = filename
    with open(filename, "rb") as source:
        code = compile(source.read(), filename, "exec", dont_inherit=True)
    exec(code, vars(module))
    sys.modules[name] = module
    return module
