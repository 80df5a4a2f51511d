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
  that order: failure gives 401 (with a Basic challenge) or 403.
  ``__access__`` sees only a user that ``__auth__`` or Apache checked.
  For a function they may be function attributes, or bound in its body
  in the forms _FORMS lists, evaluated without running the body; any
  other binding makes the function unavailable (500), never unchecked.
* Access control.  A page file other than ``req.filename`` (``/page/fn``
  served from page.py) is loaded only when Apache allows a request of
  its own URI (a lookup subrequest).
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
    if function is None:
        return None
    if module_file != key[0]:
        _apache_allows(req, module_file)
    if _load_page(req, module_file) is not module \
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
        found = _load_allowed_page(req, route[0], filename)
        if found is not None:
            req.filename = route[0]
            return found, route[2], route[0]
    if filename.endswith("/"):
        directory, name = filename, "index"
    else:
        directory, name = os.path.split(filename)
        name = os.path.splitext(name)[0] or "index"
    module_file = os.path.join(directory, name + ".py")
    found = _load_allowed_page(req, module_file, filename)
    primary = found is not None
    if found is None and name != "index":
        if os.path.isdir(filename):
            module_file = os.path.join(filename, "index.py")
        else:
            # /dir/name/... with no name.py: look for name in index.py
            path_info = "/" + name + path_info
            module_file = os.path.join(directory, "index.py")
        found = _load_allowed_page(req, module_file, filename)
    if found is None:
        _refuse(req, apache.HTTP_NOT_FOUND, "MP04001",
                "no module %s" % module_file)
    req.filename = module_file
    path = path_info.strip("/")
    names = tuple(_PATH_SEPARATORS.split(path)) if path else ("index",)
    return found, names, module_file if primary else None


_PATH_SEPARATORS = re.compile(r"[/.]")


def _load_allowed_page(req, module_file, requested):
    """_load_page(req, module_file), once Apache allows a request for
    module_file when it is not the file it checked (requested)."""
    if module_file != requested:
        if not os.path.isfile(module_file):
            return None
        _apache_allows(req, module_file)
    return _load_page(req, module_file)


def _apache_allows(req, module_file):
    """Refuse with Apache's own answer unless a request for module_file's
    URI would be allowed: a lookup subrequest applies the <Location>,
    <Directory> and <Files> sections, symlink options, authentication and
    authorization, as for a request of /dir/page.py itself.  Apache
    checked req.filename (e.g. /dir/page for the URL /dir/page/fn), not
    the page.py the publisher loads for it."""
    uri = _uri_of(req, module_file)
    if uri is None:
        _refuse(req, apache.HTTP_FORBIDDEN, "MP04012",
                "cannot tell the URI of %s to check access" % module_file)
    status, mapped = req._lookup_uri_access(uri)
    if status != apache.HTTP_OK:
        _refuse(req, status if status >= 300 else apache.HTTP_FORBIDDEN,
                "MP04011", "Apache refuses %s (%s): %d"
                % (uri, module_file, status))
    if mapped != module_file and (mapped is None or os.path.realpath(
            mapped) != os.path.realpath(module_file)):
        _refuse(req, apache.HTTP_FORBIDDEN, "MP04012",
                "%s maps to %s, not to %s" % (uri, mapped, module_file))


def _uri_of(req, module_file):
    """The URI of module_file, which is in the directory of req.filename
    or (index.py) in req.filename itself: req.uri less its path info names
    req.filename."""
    uri, path_info, filename = req.uri, req.path_info or "", req.filename
    if path_info:
        if not uri.endswith(path_info):
            return None
        uri = uri[:len(uri) - len(path_info)]
    if os.path.dirname(module_file) == filename.rstrip("/"):
        return uri.rstrip("/") + "/" + os.path.basename(module_file)
    if os.path.dirname(module_file) == os.path.dirname(filename):
        return uri[:uri.rfind("/") + 1] + os.path.basename(module_file)
    return None


def _refuse(req, status, number, why, level=apache.APLOG_INFO):
    """Log why (a numbered message, see Doc/troubleshooting.rst) and end
    the request with status."""
    req.log_error("mod_python.publisher: %s: %s: %s" % (number, req.uri, why),
                  level)
    raise apache.SERVER_RETURN(status)


# inspect, dis, hashlib, hmac, base64 and html are imported where they are
# used: together with what they import they cost ~2 MB in every
# interpreter of every child, and a published plain function needs none
# of them.

def _inspect():
    import inspect
    return inspect


def _not_traversable(obj, module):
    """Why obj may not be looked into, or None if it may: only instances
    of classes the page module defines are (what an instance of a class
    from elsewhere holds, e.g. a logger's manager, is not the page's)."""
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
    if type(obj).__module__ != module.__name__:
        return "a %s instance (a class the page does not define)" \
            % type(obj).__qualname__
    return None


def _traverse(req, module, names, auth):
    obj = module
    for name in names:
        if not name or name.startswith("_"):
            _refuse(req, apache.HTTP_NOT_FOUND, "MP04002",
                    "%r is hidden (empty or starts with '_')" % name)
        if obj is not module:
            why = _not_traversable(obj, module)
            if why is not None:
                status = (apache.HTTP_NOT_FOUND
                          if isinstance(obj, types.ModuleType)
                          else apache.HTTP_FORBIDDEN)
                _refuse(req, status, "MP04003",
                        "cannot look into %s to find %r"
                        % (why, name))
        try:
            obj = getattr(obj, name)
        except AttributeError:
            _refuse(req, apache.HTTP_NOT_FOUND, "MP04004",
                    "no object %r" % name)
        if isinstance(obj, types.ModuleType):
            _refuse(req, apache.HTTP_NOT_FOUND, "MP04005",
                    "%r is a module" % name)
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
            _refuse(req, apache.HTTP_FORBIDDEN, "MP04006",
                    "%s is defined in %s, not in the published module"
                    % (obj.__qualname__, obj.__module__))
        return
    if isinstance(obj, type):
        _refuse(req, apache.HTTP_FORBIDDEN, "MP04006",
                "a class is not published")
    if not callable(obj):
        return
    function = _defining_function(obj)
    if function is None:
        _refuse(req, apache.HTTP_FORBIDDEN, "MP04006",
                "%s objects are not published" % type(obj).__name__)
    if function.__globals__ is not vars(module):
        _refuse(req, apache.HTTP_FORBIDDEN, "MP04006",
                "%s is defined in %s, not in the published module"
                % (function.__qualname__, function.__module__))


# ---------------------------------------------------------- authentication

_NOT_FOUND = object()


_AUTH_NAMES = ("__auth__", "__access__", "__auth_realm__")


class _Unavailable(Exception):
    """A function body binds an auth name in a form the publisher cannot
    evaluate without running the function: the function is not served."""


_FORMS = ("a literal (str, number, True/False/None, or a dict, list, "
          "tuple or set of those and of global names), a global name "
          "(dotted or not), a lambda, or a nested def, assigned once by "
          "a plain statement of the body")


def _body_definitions(function):
    """{auth name: plan} for the auth names the body of function binds,
    a plan being a function of no arguments giving the value.  Raises
    _Unavailable for a binding it cannot evaluate safely."""
    code = function.__code__
    local = frozenset(code.co_varnames + code.co_cellvars + code.co_freevars)
    if _AUTH_NAMES_SET.isdisjoint(local) \
            and _AUTH_NAMES_SET.isdisjoint(code.co_names):
        return {}
    node = _function_node(function)
    bindings = _scope_bindings(node)
    plans = {}
    for name in _AUTH_NAMES:
        found = bindings.get(name)
        if not found:
            if name in local:
                raise _Unavailable("binds %s in a way the publisher cannot "
                                   "see" % name)
            continue
        statement = _plain_binding(node, name)
        if len(found) != 1 or statement is None \
                or _binding_target(statement) is not found[0]:
            raise _Unavailable("binds %s other than once, by a plain "
                               "statement of its body" % name)
        plans[name] = _definition_plan(function, local, statement, name)
    return plans


def _function_node(function):
    """The ast node of function, from the source of its page."""
    code = function.__code__
    entry = _pages.get(code.co_filename)
    if entry is None or vars(entry[0]) is not function.__globals__ \
            or entry[2] is None:
        raise _Unavailable("cannot be read: it is not in a loaded page")
    found = entry[2].functions().get((code.co_name, code.co_firstlineno))
    if found is None or len(found) != 1:
        raise _Unavailable("cannot be told apart from another definition "
                           "in %s" % code.co_filename)
    return found[0]


class _PageSource:
    """The source of a page that mentions an auth name, and its function
    definitions by (name, first line) as code objects know them."""

    def __init__(self, filename, text):
        self.filename = filename
        self.text = text
        self._functions = None

    def functions(self):
        if self._functions is None:
            import ast
            tree = ast.parse(self.text, self.filename)
            functions = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Lambda):
                    key = ("<lambda>", node.lineno)
                elif isinstance(node, (ast.FunctionDef,
                                       ast.AsyncFunctionDef)):
                    # a decorated function's code starts at its first
                    # decorator
                    key = (node.name, min([node.lineno] + [
                        decorator.lineno
                        for decorator in node.decorator_list]))
                else:
                    continue
                functions.setdefault(key, []).append(node)
            self._functions = functions
        return self._functions


def _scope_bindings(function_node):
    """{auth name: [nodes binding it in the scope of function_node]}:
    parameters, assignment targets, nested def and class names, imports,
    global and nonlocal declarations, except clauses, match captures.
    Comprehension targets count too (more than Python binds there, never
    less)."""
    import ast
    bindings = {}

    def bind(name, node):
        if name in _AUTH_NAMES_SET:
            bindings.setdefault(name, []).append(node)

    arguments = function_node.args
    for argument in (arguments.posonlyargs + arguments.args
                     + arguments.kwonlyargs
                     + [arguments.vararg, arguments.kwarg]):
        if argument is not None:
            bind(argument.arg, argument)
    pending = list(function_node.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef, ast.Lambda)):
            # a new scope: only its name, decorators, defaults and bases
            # belong to this one
            if not isinstance(node, ast.Lambda):
                bind(node.name, node)
                pending.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                pending.extend(node.bases)
                pending.extend(node.keywords)
            else:
                pending.extend(node.args.defaults)
                pending.extend(default for default in node.args.kw_defaults
                               if default is not None)
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                bind(node.id, node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bind(name, node)
        elif isinstance(node, ast.alias):
            bind((node.asname or node.name).partition(".")[0], node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name, node)
        elif type(node).__name__ in ("MatchAs", "MatchStar",
                                     "MatchMapping"):
            capture = getattr(node, "name", None) or getattr(node, "rest",
                                                             None)
            if capture:
                bind(capture, node)
        pending.extend(ast.iter_child_nodes(node))
    return bindings


def _plain_binding(function_node, name):
    """The statement of the body (not nested in another one) that binds
    name as ``name = value``, ``name: type = value`` or ``def name``."""
    import ast
    for statement in function_node.body:
        if _binding_target(statement) is not None \
                and _bound_name(statement) == name:
            return statement
    return None


def _binding_target(statement):
    import ast
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0]
    if isinstance(statement, ast.AnnAssign) and statement.simple \
            and statement.value is not None:
        return statement.target
    if isinstance(statement, ast.FunctionDef):
        return statement
    return None


def _bound_name(statement):
    target = _binding_target(statement)
    return target.name if target is statement else target.id


def _definition_plan(function, local, statement, name):
    import ast
    if isinstance(statement, ast.FunctionDef):
        if statement.decorator_list:
            raise _Unavailable("decorates its nested def %s" % name)
        return _function_plan(function, statement, name,
                              statement.lineno, local)
    return _expression_plan(function, statement.value, name, local)


def _expression_plan(function, node, name, local):
    """A function of no arguments giving the value of the expression
    node, for the forms in _FORMS; raises _Unavailable for others."""
    import ast
    if isinstance(node, ast.Constant):
        value = node.value
        return lambda: value
    if isinstance(node, ast.UnaryOp) \
            and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float, complex):
        value = ast.literal_eval(node)
        return lambda: value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        if any(isinstance(item, ast.Starred) for item in node.elts):
            raise _Unavailable("unpacks (*) in the value of %s" % name)
        items = [_expression_plan(function, item, name, local)
                 for item in node.elts]
        kind = {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)]
        return lambda: kind([item() for item in items])
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise _Unavailable("unpacks (**) in the value of %s" % name)
        pairs = [(_expression_plan(function, key, name, local),
                  _expression_plan(function, value, name, local))
                 for key, value in zip(node.keys, node.values)]
        return lambda: {key(): value() for key, value in pairs}
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _global_plan(function, node, name, local)
    if isinstance(node, ast.Lambda):
        return _function_plan(function, node, name, node.lineno, local)
    raise _Unavailable("binds %s to %s, which is only known by running it"
                       % (name, type(node).__name__))


def _global_plan(function, node, name, local):
    """Plan for a global name, or attributes of one (a.b.c), looked up in
    the function's module (then builtins) on every request."""
    import ast
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise _Unavailable("binds %s to an attribute of an expression"
                           % name)
    if node.id in local:
        raise _Unavailable("binds %s to its local variable %s, known only "
                           "by running it" % (name, node.id))
    attributes.reverse()
    namespace = function.__globals__
    base = node.id

    def plan():
        try:
            value = namespace[base]
        except KeyError:
            builtins = namespace.get("__builtins__")
            builtins = getattr(builtins, "__dict__", builtins)
            if not isinstance(builtins, dict) or base not in builtins:
                raise _Unavailable("binds %s to %s, which is not defined"
                                   % (name, base)) from None
            value = builtins[base]
        for attribute in attributes:
            value = getattr(value, attribute)
        return value
    return plan


def _function_plan(function, node, name, lineno, local):
    """Plan for a nested def or lambda: its code object, compiled with the
    function, made into a function with the page's globals.  Default
    values must be literals; variables of the enclosing body it uses are
    empty cells (using one raises NameError: a 500, never a pass)."""
    kind = "<lambda>" if node.__class__.__name__ == "Lambda" else name
    codes = [const for const in function.__code__.co_consts
             if isinstance(const, types.CodeType)
             and const.co_name == kind and const.co_firstlineno == lineno]
    if len(codes) != 1:
        raise _Unavailable("has a %s that cannot be told apart from other "
                           "code" % name)
    code = codes[0]
    arguments = node.args
    defaults = [_literal(function, default, name, local)
                for default in arguments.defaults]
    kwdefaults = {argument.arg: _literal(function, default, name, local)
                  for argument, default in zip(arguments.kwonlyargs,
                                               arguments.kw_defaults)
                  if default is not None}
    closure = tuple(types.CellType() for _ in code.co_freevars) or None
    made = types.FunctionType(code, function.__globals__, kind,
                              tuple(defaults) or None, closure)
    made.__kwdefaults__ = kwdefaults or None
    return lambda: made


def _literal(function, node, name, local):
    import ast
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise _Unavailable("gives a default value that is not a literal "
                           "in %s" % name) from None


def _auth_attributes(obj):
    """[__auth__, __access__, __auth_realm__] of obj, _NOT_FOUND if absent;
    None when obj has none of them.

    For a function (or method) they are its function attributes, else what
    its body binds them to, evaluated without running it (_FORMS); raises
    _Unavailable when the body binds one in another way."""
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
                found[i] = nested[name]()
    return found if _any_found(found) else None


_AUTH_NAMES_SET = frozenset(_AUTH_NAMES)


def _any_found(found):
    for value in found:
        if value is not _NOT_FOUND:
            return True
    return False


def _function_definitions(function):
    """_body_definitions(function), remembered per function (the only
    cache of it: hashing a code object, as a cache keyed by code would,
    costs more than the rest of a page call).  A body the publisher
    cannot evaluate raises _Unavailable every time."""
    code = function.__code__
    entry = _definitions.get(function)
    if entry is None or entry[0] is not code:
        try:
            found = _body_definitions(function)
        except _Unavailable as why:
            found = str(why)
        except SyntaxError as error:
            found = "cannot be read: its page does not parse: %s" % error
        if len(_definitions) >= _MAX_DEFINITIONS:
            _definitions.clear()      # functions of reloaded pages go too
        entry = _definitions[function] = (code, found)
    if type(entry[1]) is str:
        raise _Unavailable(entry[1])
    return entry[1]


_definitions = {}            # function -> (its __code__, definitions)
_MAX_DEFINITIONS = 4096


class _Credentials:
    """The Basic credentials of a request, parsed once, and the checks."""

    def __init__(self, req):
        self.req = req
        self.realm = "unknown"
        self._parsed = False
        self.user = self.password = None
        # the user name an __auth__ dict or function checked on the way
        self.verified = None
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
            _refuse(self.req, apache.HTTP_BAD_REQUEST, "MP04007",
                    "malformed Basic credentials")
        user, colon, password = decoded.decode(
            "utf-8", "surrogateescape").partition(":")
        if not colon:
            _refuse(self.req, apache.HTTP_BAD_REQUEST, "MP04007",
                    "malformed Basic credentials")
        self.user, self.password = user, password

    def _challenge(self):
        realm = _CONTROL.sub(" ", str(self.realm))
        realm = realm.replace("\\", "\\\\").replace('"', '\\"')
        self.req.err_headers_out["WWW-Authenticate"] = \
            'Basic realm="%s"' % realm
        _refuse(self.req, apache.HTTP_UNAUTHORIZED, "MP04008",
                "authentication required (realm %r)" % self.realm)

    def check(self, obj):
        """Apply the __auth__ / __access__ / __auth_realm__ of obj."""
        try:
            found = _auth_attributes(obj)
        except _Unavailable as why:
            _refuse(self.req, apache.HTTP_INTERNAL_SERVER_ERROR, "MP04010",
                    "%s is not served: its body %s; the forms the "
                    "publisher evaluates are %s"
                    % (_describe(obj), why, _FORMS), apache.APLOG_ERR)
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
            # only a name something checked: an __auth__ dict or function
            # on the way, or Apache's authentication (req.user)
            user = self.verified if self.verified is not None \
                else self.req.user
            if not self._allowed(access, user):
                if user is None and not callable(access):
                    why = ("__access__ without a user checked by __auth__ "
                           "or by Apache's authentication")
                else:
                    why = "user %r may not access this object" % user
                _refuse(self.req, apache.HTTP_FORBIDDEN, "MP04009", why)

    def _authenticated(self, auth):
        if callable(auth):
            passed = auth(self.req, self.user, self.password)
        elif isinstance(auth, dict):
            expected = auth.get(self.user)
            passed = expected is not None \
                and _same(expected, self.password)
        else:
            return auth         # a constant checks nobody
        if passed:
            self.verified = self.user
        return passed

    def _allowed(self, access, user):
        if callable(access):
            return access(self.req, user)
        if isinstance(access, (list, tuple, set, frozenset, dict)):
            return user is not None and user in access
        return access


def _describe(obj):
    function = _defining_function(obj)
    if function is not None:
        return "%s()" % function.__qualname__
    return "the %s object" % type(obj).__name__


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
        _refuse(req, apache.HTTP_BAD_REQUEST, "MP04013", str(error))


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

# module file -> (module, mtime_ns, _PageSource if the page's text names
# __auth__, __access__ or __auth_realm__, else None)
_pages = {}
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
        module, source = _exec_page(filename)
        _pages[filename] = (module, info.st_mtime_ns, source)
    if config.get("PythonDebug", "0") != "0":
        req.log_error("mod_python.publisher: MP04014: %s %s"
                      % ("reloaded" if entry else "loaded", filename),
                      apache.APLOG_NOTICE)
    return module


def _exec_page(filename):
    """Execute filename as a fresh module named after a hash of its path
    (apache's handler-module loader, with a prefix of its own: a page and
    a handler module of one file stay two modules); returns (module, its
    _PageSource or None).  The source is kept when it may name an auth
    attribute: the checks read what function bodies bind."""
    with open(filename, "rb") as source:
        text = source.read()
    module = apache._exec_file_module(filename, text, "_mp_page_")
    # non-ASCII text may spell an auth name that NFKC normalises to it
    if not text.isascii() \
            or any(auth_name in text for auth_name in _AUTH_NAMES_BYTES):
        return module, _PageSource(filename, text)
    return module, None


_AUTH_NAMES_BYTES = (b"__auth__", b"__access__", b"__auth_realm__")
