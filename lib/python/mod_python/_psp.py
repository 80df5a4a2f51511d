# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python._psp: the PSP parser, apart from Apache so that it can be
tested (and fuzzed) in a plain Python.

A page becomes Python code one generated line at a time; each generated
line remembers the page file and line it came from, so that errors name
the page line.  The code is compiled here: a page either becomes a code
object or raises PSPParseError, never anything else.
"""

import bisect
import builtins
import os
import re
import symtable
import types

# Includes nest at most this deep, and one page expands at most this
# many includes in all (a page including a page twice, ten levels deep,
# would otherwise expand 1024 copies).
MAX_INCLUDE_DEPTH = 16
MAX_INCLUDES = 1000

_INCLUDE = re.compile(r'\s*include\s+file\s*=\s*"([^"\n]+)"\s*\Z')
_PAGE_ENCODING = re.compile(r'\s*page\s+encoding\s*=\s*"([^"\n]*)"\s*\Z')
_FIRST_LINE_ENCODING = re.compile(
    rb'\A(?:\xef\xbb\xbf)?<%@\s*page\s+encoding\s*=\s*"([A-Za-z0-9_.:-]+)"'
    rb'\s*%>')
_CODE_STOP = re.compile(r"%>|[#'\"]")
_COMMENT_STOP = re.compile(r"%>|\n")
_SINGLE_STOP = {"'": re.compile(r"[\\'\n]"), '"': re.compile(r'[\\"\n]')}
_TRIPLE_STOP = {"'": re.compile(r"\\|'''"), '"': re.compile(r'\\|"""')}
_NEWLINE = re.compile("\n")
_LEADING_WS = re.compile(r"[\t ]*")
_LINE_REFERENCE = re.compile(r"on line (\d+)")


class PSPParseError(SyntaxError):
    """A page that cannot be turned into Python: unterminated or unknown
    markup, a missing or cyclic include, undecodable text, or Python code
    that does not compile.  filename and lineno name the page line."""

    def __init__(self, message, filename, lineno):
        SyntaxError.__init__(self, message)
        self.msg = message
        self.filename = filename
        self.lineno = lineno

    def __str__(self):
        return "%s:%s: %s" % (self.filename, self.lineno, self.msg)


def _decode(data, filename):
    """Page bytes to text: a UTF-8 BOM, or a first-line
    <%@ page encoding="..." %>, or UTF-8.  CRLF and CR become LF."""
    encoding = "utf-8"
    declared = _FIRST_LINE_ENCODING.match(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif declared:
        encoding = declared.group(1).decode("ascii")
    try:
        text = data.decode(encoding)
    except LookupError:
        raise PSPParseError("unknown encoding %r" % encoding, filename, 1)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PSPParseError("not valid %s text (byte offset %d)"
                            % (encoding, error.start), filename, line)
    return _normalize(text)


def _normalize(text):
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Source:
    """One page text being scanned: positions to line numbers."""

    def __init__(self, text, filename):
        self.text = text
        self.filename = filename
        self.newlines = [found.start() for found in _NEWLINE.finditer(text)]

    def line(self, position):
        return bisect.bisect_left(self.newlines, position) + 1

    def error(self, message, position):
        return PSPParseError(message, self.filename, self.line(position))


def _code_end(source, start):
    """Where the code starting at start ends: the position of its %>,
    skipping %> inside string literals (not inside comments: a comment
    ends at %> as in mod_python 3.5).  len(text) if there is none."""
    text = source.text
    position = start
    while True:
        found = _CODE_STOP.search(text, position)
        if found is None:
            return len(text)
        token = found.group()
        if token == "%>":
            return found.start()
        if token == "#":
            stop = _COMMENT_STOP.search(text, found.end())
            if stop is None:
                return len(text)
            if stop.group() == "%>":
                return stop.start()
            position = stop.end()
            continue
        quote = token
        if text.startswith(quote * 3, found.start()):
            position = _triple_end(source, found.start(), quote)
        else:
            position = _single_end(text, found.end(), quote)


def _single_end(text, position, quote):
    """After a one-line string literal (or at the newline that leaves it
    unterminated, for the compiler to report)."""
    stop = _SINGLE_STOP[quote]
    while True:
        found = stop.search(text, position)
        if found is None:
            return len(text)
        char = found.group()
        if char == "\\":
            position = found.end() + 1
            continue
        return found.end() if char == quote else found.start()


def _triple_end(source, start, quote):
    stop = _TRIPLE_STOP[quote]
    position = start + 3
    while True:
        found = stop.search(source.text, position)
        if found is None:
            raise source.error("unterminated triple-quoted string", start)
        if found.group() == "\\":
            position = found.end() + 1
            continue
        return found.end()


class _Expression(str):
    """The Python text of a <%= %>, told apart from page text."""

    def simple(self):
        return "\n" not in self and "#" not in self


class _Generator:
    """Turns pages into Python code, one generated line at a time, and
    remembers the page (file, line) of every generated line."""

    def __init__(self, base_dir):
        self.base_dir = base_dir
        self.lines = []
        self.origins = []
        self.indent = ""
        self.files = []             # (path, mtime_ns, size) of every file
        self.stack = []             # realpaths of the files being expanded
        self.includes = 0
        self.run = []               # text and expressions not yet emitted

    def emit(self, code, source, position):
        self.lines.append(code)
        self.origins.append((source.filename, source.line(position)))

    def emit_text(self, text, source, position):
        if text:
            self.run.append((text, source, position))

    def expression(self, source, start, end):
        expression = source.text[start:end]
        if not expression.strip():
            raise source.error("empty <%= %> expression", start)
        self.run.append((_Expression(expression), source, start))

    def flush(self):
        """The text and expressions since the last code block, as one
        req.write of a %-template (one call per run, not per piece)."""
        run, self.run = self.run, []
        if not run:
            return
        _, source, position = run[0]
        expressions = [item for item in run
                       if isinstance(item[0], _Expression)]
        if not expressions:
            self.emit("%sreq.write(%r, 0)" % (
                self.indent, "".join(text for text, _, _ in run)),
                source, position)
            return
        template = "".join("%s" if isinstance(text, _Expression)
                           else text.replace("%", "%%")
                           for text, _, _ in run)
        line = source.line(position)
        if all(source.line(start) == line and expression.simple()
               for expression, _, start in expressions):
            self.emit("%sreq.write(%r %% (%s), 0)" % (
                self.indent, template, "".join(
                    "(%s)," % expression.strip()
                    for expression, _, _ in expressions)),
                source, position)
            return
        self.emit("%sreq.write(%r %% (" % (self.indent, template),
                  source, position)
        for expression, source, start in expressions:
            lines = expression.split("\n")
            for number, text in enumerate(lines):
                self.emit(("%s    (%s" % (self.indent, text)) if number == 0
                          else text, source, start)
                start += len(text) + 1
            if expression.simple():
                self.lines[-1] += "),"
            else:
                self.emit("%s    )," % self.indent, source, start - 1)
        self.emit("%s), 0)" % self.indent, source, start - 1)

    def page(self, source):
        self.scan(source)
        self.flush()

    def scan(self, source):
        text = source.text
        position = 0
        while position < len(text):
            start = text.find("<%", position)
            if start < 0:
                self.emit_text(text[position:], source, position)
                return
            self.emit_text(text[position:start], source, position)
            if text.startswith("<%--", start):
                end = text.find("--%>", start + 4)
                if end < 0:
                    raise source.error("unterminated <%-- comment", start)
                position = end + 4
            elif text.startswith("<%@", start):
                end = text.find("%>", start + 3)
                if end < 0:
                    raise source.error("unterminated <%@ directive", start)
                self.directive(source, text[start + 3:end], start)
                position = end + 2
            elif text.startswith("<%=", start):
                end = _code_end(source, start + 3)
                if end >= len(text):
                    raise source.error("unterminated <%= expression", start)
                self.expression(source, start + 3, end)
                position = end + 2
            else:
                end = _code_end(source, start + 2)
                self.code(source, start + 2, end)
                position = end + 2

    def code(self, source, start, end):
        """Code lines after the first keep their own indentation; the
        first (after <%) goes at the current indentation.  The text that
        follows is indented like the block's last line, one level more
        when the last code line ends with ':' (see Doc/psp.rst)."""
        self.flush()
        lines = source.text[start:end].split("\n")
        first, rest = lines[0].strip(), lines[1:]
        if first:
            self.emit(self.indent + first, source, start)
        position = start + len(lines[0]) + 1
        after = ""              # mod_python 3.5's rule, see Doc/psp.rst
        for number, line in enumerate(rest, 1):
            self.emit(line, source, position)
            position += len(line) + 1
            leading = _LEADING_WS.match(line).group()
            if leading:
                after = leading
            elif line or number < len(rest):
                after = ""      # (a %> alone at column 0 keeps it)
        last = [line for line in rest if line.strip()]
        if last:
            last_code = last[-1].rstrip()
            last_indent = _LEADING_WS.match(last_code).group()
            base = after if len(after) >= len(last_indent) else last_indent
        else:
            last_code, base = first, self.indent
        if last_code.endswith(":"):
            after = base + ("\t" if "\t" in base else "    ")
        self.indent = after

    def directive(self, source, body, start):
        include = _INCLUDE.match(body)
        if include:
            self.flush()
            self.include(source, include.group(1), start)
        elif _PAGE_ENCODING.match(body):
            if start != 0:
                raise source.error("<%@ page encoding %> must start the "
                                   "page", start)
        else:
            raise source.error("unknown directive <%%@%s%%>" % body, start)

    def include(self, source, name, start):
        self.includes += 1
        if self.includes > MAX_INCLUDES:
            raise source.error("more than %d includes" % MAX_INCLUDES, start)
        # the stack holds the page itself and the includes being expanded
        if len(self.stack) > MAX_INCLUDE_DEPTH:
            raise source.error("includes nested more than %d deep"
                               % MAX_INCLUDE_DEPTH, start)
        path = self.resolve(source, name)
        if path is None:
            raise source.error("include file not found: %s" % name, start)
        real = os.path.realpath(path)
        if real in self.stack:
            raise source.error("include cycle: %s" % " -> ".join(
                self.stack[self.stack.index(real):] + [real]), start)
        self.file(path, real)

    def resolve(self, source, name):
        """An absolute name is a file path; a relative one is looked up
        next to the including file, then (mod_python 3.5's rule) in the
        directory of the top page."""
        if os.path.isabs(name):
            candidates = [name]
        else:
            candidates = []
            if source.filename and os.path.isabs(source.filename):
                candidates.append(os.path.join(
                    os.path.dirname(source.filename), name))
            if self.base_dir:
                candidates.append(os.path.join(self.base_dir, name))
        for candidate in candidates:
            if os.path.isfile(candidate):
                return candidate
        return None

    def file(self, path, real=None):
        try:
            with open(path, "rb") as page:
                info = os.fstat(page.fileno())
                data = page.read()
        except OSError as error:
            raise PSPParseError("cannot read: %s" % error.strerror, path, 1)
        self.files.append((path, info.st_mtime_ns, info.st_size))
        self.stack.append(real or os.path.realpath(path))
        self.page(_Source(_decode(data, path), path))
        self.stack.pop()

    def result(self, code_name):
        """(python source, code object) or PSPParseError naming the page
        line of the compiler's complaint."""
        source = "\n".join(self.lines) + "\n"
        try:
            code = compile(source, code_name, "exec", dont_inherit=True)
        except SyntaxError as error:
            raise self.error_at(error.lineno, error.msg) from None
        except (ValueError, RecursionError, MemoryError) as error:
            raise self.error_at(None, str(error)) from None
        return source, code

    def error_at(self, lineno, message):
        if lineno and 0 < lineno <= len(self.origins):
            filename, line = self.origins[lineno - 1]
        elif self.origins:
            filename, line = self.origins[-1]
        else:
            filename, line = None, 1
        message = _LINE_REFERENCE.sub(
            lambda found: "on line %d" % self.line_of(int(found.group(1))),
            message)
        return PSPParseError("invalid Python code: %s" % message,
                             filename, line)

    def line_of(self, lineno):
        if 0 < lineno <= len(self.origins):
            return self.origins[lineno - 1][1]
        return lineno


class _Compiled:
    """A parsed and compiled page: the code, the generated source, the
    page line of each generated line, and the files it was made of."""

    __slots__ = ("code", "function", "source", "origins", "files", "names")

    def __init__(self, generator, code_name):
        self.source, self.code = generator.result(code_name)
        self.origins = generator.origins
        self.files = tuple(generator.files)
        self.names = _names(self.code)
        self.function = _page_function(self.source, code_name, self.names)

    def run(self, scope):
        """Run the page with scope as its globals."""
        if self.function is None:
            exec(self.code, scope)
        else:
            types.FunctionType(self.function, scope)(scope, _BUILTINS)

    def current(self):
        """True while no file of the page changed since it was parsed."""
        for path, mtime_ns, size in self.files:
            try:
                info = os.stat(path)
            except OSError:
                return False
            if info.st_mtime_ns != mtime_ns or info.st_size != size:
                return False
        return True

    def origin(self, lineno):
        if 0 < lineno <= len(self.origins):
            return self.origins[lineno - 1]
        return None, lineno


# A page that uses one of these sees its variables through a namespace,
# which a function's locals are not: it runs as module code.
_NAMESPACE_NAMES = frozenset(("locals", "globals", "vars", "dir", "eval",
                              "exec"))
_ONLY_AST = 0x400            # ast.PyCF_ONLY_AST
_BUILTINS = vars(builtins)
_BUILTIN_NAMES = frozenset(_BUILTINS)
# the names psp.PSP.run() gives every page
_PAGE_NAMES = frozenset(("req", "psp", "form", "session"))


def _page_function(source, code_name, names):
    """The page's code as the body of a function
    ``page(__psp_globals__, __psp_builtins__)``, or None.

    Module code keeps every page variable in a dict (LOAD_NAME and
    STORE_NAME); a function keeps them in fast locals, which makes a
    page that loops over a table about as fast as the same handler
    written by hand.  It does what the module code does: every name the
    page assigns starts with the value of the same global (or builtin)
    when there is one, functions and classes the page defines see its
    variables as closures, and a page whose functions declare one of them
    ``global``, or that looks at its namespace (locals(), eval() ...), or
    that does not compile as a function (``from m import *``) runs as
    module code instead."""
    if names & _NAMESPACE_NAMES:
        return None
    try:
        top = symtable.symtable(source, code_name, "exec")
        tree = _syntax_tree(source, code_name)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    assigned = sorted(
        symbol.get_name() for symbol in top.get_symbols()
        if symbol.is_assigned() or symbol.is_imported())
    if _declares_global(top.get_children(), set(assigned) | _PAGE_NAMES):
        return None
    # the names every page gets (req above all: each run of text is a
    # req.write) are fast locals too, loaded once: as globals of a scope
    # made for each request, every use was a dictionary lookup
    assigned += sorted(_PAGE_NAMES.intersection(
        symbol.get_name() for symbol in top.get_symbols()
        if symbol.is_referenced()).difference(assigned))
    prologue = []
    for name in assigned:
        prologue.append("if %r in __psp_globals__:\n"
                        "    %s = __psp_globals__[%r]\n" % (name, name, name))
        if name in _BUILTIN_NAMES:
            prologue.append("elif %r in __psp_builtins__:\n"
                            "    %s = __psp_builtins__[%r]\n"
                            % (name, name, name))
    function = _syntax_tree("def page(__psp_globals__, __psp_builtins__):\n"
                            "    pass\n", code_name).body[0]
    function.body = _syntax_tree("".join(prologue), code_name).body \
        + tree.body \
        if prologue or tree.body else function.body
    module = type(tree)(body=[function], type_ignores=[])
    try:
        code = compile(module, code_name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            return const
    return None


def _syntax_tree(source, code_name):
    """ast.parse() without importing ast (1.5 MB in every child)."""
    return compile(source, code_name, "exec", _ONLY_AST, dont_inherit=True)


def _declares_global(tables, names):
    for table in tables:
        for symbol in table.get_symbols():
            if symbol.is_declared_global() and symbol.get_name() in names:
                return True
        if _declares_global(table.get_children(), names):
            return True
    return False


def _names(code):
    """Every global name the code (and the functions it defines) uses."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names(const)
    return frozenset(names)


def _compile_file(path, base_dir=None):
    generator = _Generator(base_dir if base_dir is not None
                           else os.path.dirname(path))
    generator.file(path)
    return _Compiled(generator, path)


def _compile_string(text):
    generator = _Generator(None)
    generator.page(_Source(_normalize(text), "<string>"))
    return _Compiled(generator, "<psp string>")


def parse(filename, dir=None):
    """The Python code for the page in file filename (dir + filename
    when dir is given: relative includes are then looked up in dir too).
    Raises PSPParseError for a page that cannot become Python."""
    path = dir + filename if dir else filename
    return _compile_file(path, dir).source


def parsestring(string):
    """The Python code for the page text string."""
    return _compile_string(string).source
