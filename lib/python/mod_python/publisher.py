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

import _thread
import os
import re
import stat
import sys
import types

from mod_python import apache, util

__all__ = ["handler"]

_METHODS = ("GET", "POST", "HEAD")


def handler(req):
    """The content handler: find, check, call and send the object."""
    if req.method not in _METHODS:
        req.allow_methods(list(_METHODS))
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)
    key = (req.filename or "", req.path_info or "")
    target = _remembered_target(req, key)
    if target is None:
        module, names, module_file = _find_module(req, key)
        auth = _Credentials(req)
        auth.check(module)
        target = _traverse(req, module, names, auth)
        _check_publishable(req, module, target)
        _remember(key, module_file, module, names, target, auth)
    if callable(target):
        result = _call(req, target)
    else:
        result = target
    _send(req, result)
    return apache.OK


# ------------------------------------------------------------- traversal

# What the checks above decided for a URL, so that the next request for
# it only confirms that nothing they looked at has changed:
# (req.filename, req.path_info) -> (module file, module, object path,
# published function or None, its __code__).  Bounded, since path_info
# is chosen by the client.
_routes = {}
_MAX_ROUTES = 4096


def _remember(key, module_file, module, names, target, auth):
    if module_file is None:
        return                # found through index.py: look again next time
    if len(names) == 1 and type(target) is types.FunctionType \
            and not auth.found_any:
        function, code = target, target.__code__
    else:
        function = code = None      # only the module lookup is remembered
    if len(_routes) >= _MAX_ROUTES:
        _routes.clear()
    _routes[key] = (module_file, module, names, function, code)


def _remembered_target(req, key):
    """The function the checks chose for this URL last time, if the page
    module (reloaded or not, as _load_page decides), the module's auth
    attributes, the function and its attributes are all unchanged: then
    every check would decide the same again.  None otherwise."""
    route = _routes.get(key)
    if route is None:
        return None
    module_file, module, names, function, code = route
    if function is None \
            or _load_page(req, module_file) is not module \
            or not _AUTH_NAMES_SET.isdisjoint(module.__dict__) \
            or getattr(module, names[0], None) is not function \
            or function.__code__ is not code or function.__dict__:
        return None
    if module_file != key[0]:
        req.filename = module_file
    return function


def _find_module(req, key):
    """(page module, object path elements, module file or None when it
    was found as a fallback index.py) for this request; also points
    req.filename at the module's file."""
    filename, path_info = key
    route = _routes.get(key)
    if route is not None:
        found = _load_page(req, route[0])
        if found is not None:
            req.filename = route[0]
            return found, route[2], route[0]
    if filename.endswith("/"):
        directory, name = filename, "index"
    else:
        directory, name = os.path.split(filename)
        name = os.path.splitext(name)[0] or "index"
    module_file = os.path.join(directory, name + ".py")
    found = _load_page(req, module_file)
    primary = found is not None
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
    names = tuple(_PATH_SEPARATORS.split(path)) if path else ("index",)
    return found, names, module_file if primary else None


_PATH_SEPARATORS = re.compile(r"[/.]")


def _refuse(req, status, why):
    req.log_error("mod_python.publisher: %s: %s" % (req.uri, why),
                  apache.APLOG_INFO)
    raise apache.SERVER_RETURN(status)


# inspect, dis, hashlib, hmac, base64 and html are imported where they are
# used: together with what they import they cost ~2 MB in every
# interpreter of every child, and a published plain function needs none
# of them.

def _inspect():
    import inspect
    return inspect


def _not_traversable(obj):
    """Why obj may not be looked into, or None if it may."""
    if isinstance(obj, types.ModuleType):
        return "a module"
    if isinstance(obj, type):
        return "a class"
    inspect = _inspect()
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
                status = (apache.HTTP_NOT_FOUND
                          if isinstance(obj, types.ModuleType)
                          else apache.HTTP_FORBIDDEN)
                _refuse(req, status, "cannot look into %s to find %r"
                        % (why, name))
        try:
            obj = getattr(obj, name)
        except AttributeError:
            _refuse(req, apache.HTTP_NOT_FOUND, "no object %r" % name)
        if isinstance(obj, types.ModuleType):
            _refuse(req, apache.HTTP_NOT_FOUND, "%r is a module" % name)
        auth.check(obj)
    return obj


def _defining_function(obj):
    """The Python function that runs when obj is called, or None."""
    if isinstance(obj, types.FunctionType):
        return obj
    if isinstance(obj, types.MethodType):
        return _defining_function(obj.__func__)
    if not isinstance(obj, type) and not _inspect().isroutine(obj):
        call = getattr(type(obj), "__call__", None)
        if isinstance(call, types.FunctionType):
            return call
    return None


def _check_publishable(req, module, obj):
    """Refuse classes, builtins and code that is not the module's own."""
    if type(obj) is types.FunctionType:
        if obj.__globals__ is not module.__dict__:
            _refuse(req, apache.HTTP_FORBIDDEN,
                    "%s is defined in %s, not in the published module"
                    % (obj.__qualname__, obj.__module__))
        return
    if isinstance(obj, type):
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
    found = _function_definitions(function).get(name, _NOT_FOUND)
    if isinstance(found, types.CodeType):
        closure = tuple(types.CellType() for _ in found.co_freevars)
        return types.FunctionType(found, function.__globals__, name, None,
                                  closure or None)
    return found


def _code_definitions(code):
    """{name: constant or code object} for the auth names a function body
    binds to a nested def or a constant."""
    wanted = [name for name in _AUTH_NAMES
              if name in code.co_varnames or name in code.co_cellvars]
    if not wanted:
        return {}
    found = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name in wanted:
            found[const.co_name] = const
    import dis
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
    """[__auth__, __access__, __auth_realm__] of obj, _NOT_FOUND if absent;
    None when obj has none of them.

    For a function (or method) they are its function attributes, else what
    its body binds them to (nested def or constant)."""
    if type(obj) is types.FunctionType:
        # the common case, kept cheap: a page function with no attributes
        # and no nested auth definitions
        attributes = obj.__dict__
        nested = _function_definitions(obj)
        if not attributes and not nested:
            return None
        function = obj
        found = [attributes.get(name, _NOT_FOUND) for name in _AUTH_NAMES]
    elif isinstance(obj, types.ModuleType):
        namespace = vars(obj)
        if _AUTH_NAMES_SET.isdisjoint(namespace):
            return None
        return [namespace.get(name, _NOT_FOUND) for name in _AUTH_NAMES]
    else:
        function = _defining_function(obj) if callable(obj) else None
        if function is None:
            found = [getattr(obj, name, _NOT_FOUND) for name in _AUTH_NAMES]
            return found if _any_found(found) else None
        if isinstance(obj, types.MethodType):
            attributes = function.__dict__
            found = [attributes.get(name, _NOT_FOUND)
                     for name in _AUTH_NAMES]
        else:
            found = [getattr(obj, name, _NOT_FOUND) for name in _AUTH_NAMES]
        nested = _function_definitions(function)
    if nested:
        for i, name in enumerate(_AUTH_NAMES):
            if found[i] is _NOT_FOUND and name in nested:
                found[i] = _nested_definition(function, name)
    return found if _any_found(found) else None


_AUTH_NAMES_SET = frozenset(_AUTH_NAMES)


def _any_found(found):
    for value in found:
        if value is not _NOT_FOUND:
            return True
    return False


def _function_definitions(function):
    """_code_definitions(function.__code__), remembered per function (the
    only cache of it: hashing a code object, as a cache keyed by code
    would, costs more than the rest of a page call)."""
    code = function.__code__
    entry = _definitions.get(function)
    if entry is not None and entry[0] is code:
        return entry[1]
    found = _code_definitions(code)
    if len(_definitions) >= _MAX_DEFINITIONS:
        _definitions.clear()          # functions of reloaded pages go too
    _definitions[function] = (code, found)
    return found


_definitions = {}            # function -> (its __code__, definitions)
_MAX_DEFINITIONS = 4096


class _Credentials:
    """The Basic credentials of a request, parsed once, and the checks."""

    def __init__(self, req):
        self.req = req
        self.realm = "unknown"
        self._parsed = False
        self.user = self.password = None
        self.found_any = False      # any auth attribute met on the way

    def _parse(self):
        if self._parsed:
            return
        self._parsed = True
        header = self.req.headers_in.get("Authorization", "")
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return
        import base64
        import binascii
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
        found = _auth_attributes(obj)
        if found is None:
            return
        self.found_any = True
        auth, access, realm = found
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
    import hmac
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
        import html
        req.notes["error-notes"] = html.escape(str(error))
        _refuse(req, apache.HTTP_BAD_REQUEST, str(error))


_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


def _looks_like_html(start):
    start = start.lstrip()[:9].lower()
    return start.startswith(("<html", "<!doctype"))


def _send(req, result):
    if result is None:
        return
    ctype_set = req._content_type_set
    if isinstance(result, (bytes, bytearray)):
        data = bytes(result)
        charset = None
        if not ctype_set:
            is_html = _looks_like_html(data[:1024].decode("latin-1"))
    else:
        text = result if type(result) is str else str(result)
        charset = "utf-8"
        if ctype_set:
            match = _CHARSET.search(req.content_type or "")
            if match:
                charset = match.group(1)
        else:
            is_html = _looks_like_html(text[:1024])
        data = text.encode(charset, "surrogateescape")
    if not ctype_set:
        ctype = "text/html" if is_html else "text/plain"
        req.content_type = ctype + ("; charset=" + charset if charset
                                    else "")
    req.write(data, flush=False)


# --------------------------------------------------------- page modules

_pages = {}                  # module file -> (module, mtime_ns)
_pages_lock = _thread.allocate_lock()


def _load_page(req, filename):
    """The module in filename (None if there is no such file), loaded, or
    reloaded when it changed and PythonAutoReload is on, under a private
    name.

    Pages are not put in sys.modules under their own names, so a page
    called string.py or email.py cannot shadow a library module, and two
    directories may each have an index.py.
    """
    entry = _pages.get(filename)
    if entry is not None and not req._autoreload:
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
    try:
        from _sha1 import sha1      # built in: no OpenSSL in every child
    except ImportError:
        from hashlib import sha1
    digest = sha1(filename.encode("utf-8", "surrogateescape"))
    name = "_mp_page_" + digest.hexdigest()[:16]
    module = types.ModuleType(name)
    module.__file__ = filename
    with open(filename, "rb") as source:
        code = compile(source.read(), filename, "exec", dont_inherit=True)
    exec(code, vars(module))
    sys.modules[name] = module
    return module
