# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python.util: form data and other helpers for handlers.

``FieldStorage(req)`` reads the query string and, for POST, an
``application/x-www-form-urlencoded`` or ``multipart/form-data`` body::

    from mod_python import util

    def handler(req):
        form = util.FieldStorage(req)
        name = form.getfirst("name", "nobody")      # a StringField (a str)
        upload = form.get("picture")                 # a Field, or None
        if upload is not None:
            data = upload.file.read()                # bytes
        ...

Values are ``str``, decoded with the form's charset (UTF-8 unless the
request or the part says otherwise) with ``surrogateescape``, so bad input
never raises and round-trips when written back; uploaded file contents are
``bytes`` in a temporary file.  Uploads are streamed: the body is read in
64 KiB chunks and written to ``tempfile.SpooledTemporaryFile()``, which
keeps a file of up to 8 KiB in memory and moves a larger one to disk, so a
1 GiB upload costs a few hundred KiB of memory and a form of many small
files does not hold a file descriptor per file.

Malformed input (a multipart body without a boundary, a truncated body, a
part header block over 64 KiB, bare CR or LF in part headers, a bad query
field with ``strict_parsing``) raises ``FormError``: it is logged, and unless
the handler catches it the client gets ``400 Bad Request`` with the reason.

A form may have at most ``PythonOption mod_python.util.max_fields``
fields (default 1000, 0: no limit; query string and body together, a
multipart part is one field); beyond, FormError with status 413.
Fields are kept as (name, value) strings and made StringField objects only
when looked up, so a form costs little more than its text.

``parse_qs`` and ``parse_qsl`` give the same results as their
``urllib.parse`` namesakes for the same arguments, faster for the common
case of a str query.
"""

import codecs
import functools
import io
import re
import types
import urllib.parse

from mod_python import apache

__all__ = ["FieldStorage", "Field", "StringField", "FieldList", "FormError",
           "ArgumentError", "parse_qs", "parse_qsl", "parse_header",
           "apply_fs_data", "redirect"]

READ_SIZE = 64 * 1024          # bytes asked of req.read() at a time
# An urlencoded body is parsed as it is read, and while a read is parsed
# its fields cost ~30 times its size: keep that small.
QUERY_READ_SIZE = 8 * 1024
MAX_PART_HEADERS = 64 * 1024   # largest header block of one multipart part
MAX_BOUNDARY = 200             # RFC 2046 says 70; be lenient, not unbounded
DEFAULT_CHARSET = "utf-8"

_EMPTY = types.MappingProxyType({})


class FormError(apache.SERVER_RETURN, ValueError):
    """Malformed form data.

    A SERVER_RETURN carrying HTTP_BAD_REQUEST, so a handler that lets it
    propagate answers 400; also a ValueError, so code can catch it as one.
    ``reason`` (also ``str(error)``) says what was wrong.
    """

    def __init__(self, reason, status=apache.HTTP_BAD_REQUEST):
        super().__init__(status)
        self.reason = reason
        self.status = status

    def __str__(self):
        return self.reason


class ArgumentError(TypeError):
    """apply_fs_data: the form lacks an argument the callable requires."""


# ------------------------------------------------------------ query strings

def parse_qsl(qs, keep_blank_values=False, strict_parsing=False,
              encoding="utf-8", errors="replace", max_num_fields=None,
              separator="&"):
    """Parse a query string into a list of (name, value) pairs.

    Same arguments and results as urllib.parse.parse_qsl.  A str query
    with a str separator takes the fast path below; anything else (bytes,
    None, odd separators) is handed to urllib.parse itself.
    """
    if not (isinstance(qs, str) and isinstance(separator, str)
            and separator):
        return urllib.parse.parse_qsl(qs, keep_blank_values, strict_parsing,
                                      encoding, errors, max_num_fields,
                                      separator)
    if max_num_fields is not None:
        fields = 1 + qs.count(separator) if qs else 0
        if max_num_fields < fields:
            raise ValueError("Max number of fields exceeded")
    if not qs:
        return []
    return _parse_fields(qs, keep_blank_values, strict_parsing, encoding,
                         errors, separator)


def _parse_fields(qs, keep_blank_values, strict_parsing, encoding, errors,
                  separator="&"):
    """The (name, value) pairs of every field of qs, a str made of whole
    fields (an empty qs is one empty field)."""
    # '+' means space.  Replacing it up front is the same as doing it per
    # name and value unless the separator itself holds '+' or ' ' (or a
    # strict error message must quote the field as it was).
    plus_done = not (strict_parsing or "+" in separator or " " in separator)
    if plus_done and "+" in qs:
        qs = qs.replace("+", " ")
    unquote = _unquote if "%" in qs else None
    if encoding is None:
        encoding = "utf-8"
    if errors is None:
        errors = "replace"
    pairs = []
    append = pairs.append
    for field in qs.split(separator):
        if not field and not strict_parsing:
            continue
        name, equals, value = field.partition("=")
        if not equals:
            if strict_parsing:
                raise ValueError("bad query field: %r" % (field,))
            if not keep_blank_values:
                continue
        elif not value and not keep_blank_values:
            continue
        if not plus_done:
            name = name.replace("+", " ")
            value = value.replace("+", " ")
        if unquote is not None:
            if "%" in name:
                name = unquote(name, encoding, errors)
            if "%" in value:
                value = unquote(value, encoding, errors)
        append((name, value))
    return pairs


def _unquote(text, encoding, errors):
    """urllib.parse.unquote, with a shortcut for ASCII text (there it
    decodes the whole string as one run of percent-encoded bytes)."""
    if text.isascii():
        return _unquote_to_bytes(text).decode(encoding, errors)
    return urllib.parse.unquote(text, encoding, errors)


_unquote_to_bytes = urllib.parse.unquote_to_bytes


def parse_qs(qs, keep_blank_values=False, strict_parsing=False,
             encoding="utf-8", errors="replace", max_num_fields=None,
             separator="&"):
    """Parse a query string into a dict of name -> list of values.

    Same arguments and results as urllib.parse.parse_qs.
    """
    result = {}
    for name, value in parse_qsl(qs, keep_blank_values, strict_parsing,
                                 encoding, errors, max_num_fields, separator):
        if name in result:
            result[name].append(value)
        else:
            result[name] = [value]
    return result


# ----------------------------------------------------------------- headers

_PARAM = re.compile(r"""
    ;\s*
    (?P<key>[^\s;=]+)
    \s*(?:=\s*
       (?: "(?P<quoted>(?:[^"\\]|\\.)*)"
         | (?P<token>[^;]*?) )
    )?\s*(?=;|$)
    """, re.VERBOSE | re.DOTALL)


def parse_header(line):
    """Split a Content-Type-like header into (value, {param: value}).

    Parameter names are lower-cased; quoted values are unquoted.  A
    ``name*=charset''percent-encoded`` parameter (RFC 5987/8187) is decoded
    and stored under ``name``.
    """
    value, _, rest = line.partition(";")
    params = {}
    if rest:
        for match in _PARAM.finditer(";" + rest):
            key = match.group("key").lower()
            quoted = match.group("quoted")
            if quoted is not None:
                param = quoted.replace("\\\\", "\\").replace('\\"', '"')
            else:
                param = (match.group("token") or "").strip()
            if key.endswith("*"):
                key, param = key[:-1], _decode_ext_value(param)
            params[key] = param
    return value.strip().lower(), params


def _decode_ext_value(text):
    """Decode an RFC 8187 ext-value: charset'language'percent-encoded."""
    charset, _, rest = text.partition("'")
    _, _, encoded = rest.partition("'")
    try:
        return urllib.parse.unquote(encoded, charset or "utf-8",
                                    "surrogateescape")
    except (LookupError, ValueError):   # unknown, or a codec that fails
        return urllib.parse.unquote(encoded, "utf-8", "surrogateescape")


# ------------------------------------------------------------------ fields

class StringField(str):
    """A simple (non-file) form value: a str with cgi-style attributes."""

    # name in a slot: no instance dict unless more attributes are set
    # (a multipart part's type, headers ...), ~465 -> ~130 bytes a field
    __slots__ = ("name", "__dict__")

    filename = None
    type = "text/plain"
    type_options = _EMPTY
    disposition = None
    disposition_options = _EMPTY
    headers = _EMPTY

    def __new__(cls, value, name=None):
        self = super().__new__(cls, value)
        self.name = name
        return self

    @property
    def value(self):
        """The value as a plain str."""
        return str(self)

    @property
    def file(self):
        """The value as a text file object (io.StringIO), or the file a
        FieldStorage field_callback gave for this part."""
        given = self.__dict__.get("_file")
        return given if given is not None else io.StringIO(str(self))

    # the names mod_python 3.5's StringField used
    @property
    def ctype(self):
        return self.type

    @property
    def disp_options(self):
        return self.disposition_options

    def __repr__(self):
        # as mod_python 3.5 prints a field (its names and values were
        # bytes), which its test suite compares
        return "Field(%r, %r)" % (_as_bytes(self.name), _as_bytes(self))


def _as_bytes(text):
    if isinstance(text, str):
        return str.encode(text, "utf-8", "surrogateescape")
    return text


# Field.__repr__ shows the content of an upload up to this size
REPR_LIMIT = 64 * 1024


class Field:
    """A file upload: the data is in ``file``, a temporary file.

    The positional order after the name is mod_python 3.5's (code such as
    Trac makes Field objects itself); ``filename`` defaults to the one in
    ``disposition_options``.
    """

    def __init__(self, name, file=None, type=None, type_options=None,
                 disposition=None, disposition_options=None, headers=None,
                 filename=None):
        self.name = name
        self.file = file
        self.type = type
        self.type_options = type_options if type_options is not None else {}
        self.disposition = disposition
        self.disposition_options = (disposition_options
                                    if disposition_options is not None
                                    else {})
        if filename is None:
            filename = self.disposition_options.get("filename")
        self.filename = filename
        self.headers = headers if headers is not None else {}

    @property
    def value(self):
        """The whole content (bytes): beware, this reads it into memory."""
        if self.file is None:
            return None
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data

    ctype = StringField.ctype
    disp_options = StringField.disp_options

    def __repr__(self):
        """Field(b'name', b'content') as mod_python 3.5 prints it; an upload
        over REPR_LIMIT bytes is summarised rather than read into memory."""
        name = _as_bytes(self.name)
        size = self._size()
        if size is not None and size > REPR_LIMIT:
            return "Field(%r, <%d bytes of %r>)" % (name, size,
                                                    self.filename)
        return "Field(%r, %r)" % (name, self.value)

    def _size(self):
        try:
            position = self.file.tell()
            size = self.file.seek(0, io.SEEK_END)
            self.file.seek(position)
            return size
        except (AttributeError, OSError, ValueError):
            return None


class FieldList(list):
    """The list of fields of a form, with a name index built on demand."""

    def table(self):
        """{name: [field, ...]} in form order (cached until the list
        changes length; code that replaces items in place should call
        ``invalidate()``)."""
        index = getattr(self, "_index", None)
        if index is None or self._indexed_length != len(self):
            index = {}
            for field in self:
                index.setdefault(field.name, []).append(field)
            self._index = index
            self._indexed_length = len(self)
        return index

    def invalidate(self):
        self._index = None


# ------------------------------------------------------------ FieldStorage

class FieldStorage:
    """The form data of a request: query string plus urlencoded or
    multipart POST body.  A mapping from names to StringField / Field
    objects (or lists of them when a name repeats); ``list`` has every
    field in order.

    keep_blank_values: keep fields with empty values (urlencoded data).
    strict_parsing: a malformed urlencoded field raises FormError.
    file_callback(filename): returns the binary file an upload is written
    to (default: tempfile.TemporaryFile()).
    field_callback(): returns the binary file a non-file multipart part is
    collected in (default: io.BytesIO()).

    Only one FieldStorage can read a request body; the publisher keeps its
    own in ``req.form``.  Bodies other than urlencoded and multipart are
    left unread for the handler.  Raises FormError (HTTP 400, or the status
    Apache gave, e.g. 413 over LimitRequestBody) on malformed data, and
    FormError with HTTP 413 when the query string and body hold more than
    ``PythonOption mod_python.util.max_fields`` fields (default
    MAX_FIELDS; 0: no limit).
    """

    # Fields are kept as two parallel lists, names and values, where a
    # value is the str of a urlencoded field or the StringField / Field of
    # a multipart part: 16 bytes a field instead of ~465 for a StringField.
    # A StringField is made when a lookup returns that field (and then
    # kept in its place), every one when code asks for ``list``; from then
    # on that FieldList is the storage.

    # defaults as class attributes: __init__ stores only what was given
    keep_blank_values = 0
    strict_parsing = 0
    _file_callback = None
    _field_callback = None
    _list = None            # the FieldList, once asked for
    _index = None           # {name: [position, ...]}, once looked up

    def __init__(self, req, keep_blank_values=0, strict_parsing=0,
                 file_callback=None, field_callback=None):
        self._names = []
        self._values = []
        if keep_blank_values:
            self.keep_blank_values = keep_blank_values
        if strict_parsing:
            self.strict_parsing = strict_parsing
        if file_callback is not None:
            self._file_callback = file_callback
        if field_callback is not None:
            self._field_callback = field_callback
        self._max_fields = _max_fields(req)
        self._shared = {}
        try:
            self._read(req)
        except FormError as error:
            req.log_error("mod_python.util: MP05001: bad form data in %s %s: %s"
                          % (req.method, req.uri, error.reason),
                          apache.APLOG_INFO)
            import html     # here, like inspect and tempfile: ~1.5 MB less
            req.notes["error-notes"] = html.escape(error.reason)
            raise
        finally:
            del self._shared

    # ------------------------------------------------------------ reading

    def _read(self, req):
        if req.method != "POST":
            if req.args:
                self._add_query(req.args, DEFAULT_CHARSET)
            return
        ctype, options = parse_header(req.headers_in.get(
            "content-type", "application/x-www-form-urlencoded"))
        charset = options.get("charset", DEFAULT_CHARSET)
        if req.args:
            self._add_query(req.args, charset)
        if ctype == "application/x-www-form-urlencoded":
            self._read_urlencoded(_request_chunks(req, QUERY_READ_SIZE),
                                  charset)
        elif ctype.startswith("multipart/"):
            boundary = options.get("boundary", "")
            if not boundary:
                raise FormError("%s body without a boundary parameter"
                                % ctype)
            if len(boundary) > MAX_BOUNDARY:
                raise FormError("multipart boundary longer than %d "
                                "characters" % MAX_BOUNDARY)
            self._read_multipart(req, boundary.encode("utf-8",
                                                      "surrogateescape"),
                                 charset)
        # Other bodies (JSON, XML ...) are left unread for the handler.

    def _add_query(self, query, charset):
        """Add the fields of a urlencoded query (str, whole fields)."""
        try:
            pairs = _parse_fields(query, self.keep_blank_values,
                                  self.strict_parsing, charset,
                                  "surrogateescape")
        except LookupError:
            raise FormError("unknown charset %r" % charset) from None
        except ValueError as error:
            raise FormError(str(error)) from None
        self._count(len(pairs))
        names = self._names
        values = self._values
        # One str per distinct name or value, not one per field ("c=on&
        # c=on&..."): a str costs ~50 bytes more than its text.  Only the
        # first few distinct ones are shared, so that a form of distinct
        # strings pays nothing for the sharing.
        shared = self._shared
        for name, value in pairs:
            if len(shared) < _SHARED_STRINGS:
                name = shared.setdefault(name, name)
                value = shared.setdefault(value, value)
            names.append(name)
            values.append(value)

    def _read_urlencoded(self, chunks, charset):
        """Add the fields of a urlencoded body given as bytes chunks, a
        chunk at a time: memory holds the fields, not the body."""
        try:
            "".encode(charset)      # a text codec? ("rot13" is not)
            decode = codecs.getincrementaldecoder(charset)(
                "surrogateescape").decode
        except (LookupError, ValueError):
            raise FormError("unknown charset %r" % charset) from None
        pending = []            # text of the field not ended yet
        separated = False
        for chunk in chunks:
            text = self._decode(decode, chunk, charset)
            cut = text.rfind("&")
            if cut < 0:
                pending.append(text)
                continue
            pending.append(text[:cut])
            self._add_query("".join(pending), charset)
            pending = [text[cut + 1:]]
            separated = True
        pending.append(self._decode(decode, b"", charset, True))
        text = "".join(pending)
        if text or separated:   # an empty body has no (empty) field
            self._add_query(text, charset)

    @staticmethod
    def _decode(decode, data, charset, final=False):
        try:
            return decode(data, final)
        except ValueError:      # a codec that fails even so (idna ...)
            raise FormError("cannot decode the body with charset %r"
                            % charset) from None

    def _count(self, more):
        """Refuse the form (413) if more fields would exceed the limit."""
        limit = self._max_fields
        if limit and len(self._names) + more > limit:
            raise FormError("more than %d form fields (PythonOption %s)"
                            % (limit, MAX_FIELDS_OPTION),
                            apache.HTTP_REQUEST_ENTITY_TOO_LARGE)

    def _read_multipart(self, req, boundary, charset):
        parser = _MultipartParser(_request_reader(req), boundary)
        for headers in parser.parts():
            self._count(1)
            field = self._read_part(parser, headers, charset)
            self._names.append(field.name)
            self._values.append(field)

    def _read_part(self, parser, headers, charset):
        disposition, disposition_options = parse_header(
            headers.get("content-disposition", ""))
        ctype, type_options = parse_header(
            headers.get("content-type", "text/plain"))
        if "/" not in ctype:
            ctype = "application/octet-stream"
        name = disposition_options.get("name")
        filename = disposition_options.get("filename")
        if filename is not None:
            if self._file_callback is not None:
                sink = self._file_callback(filename)
            else:
                # in memory up to _SPOOL_BYTES, then a temporary file: a
                # form of many small files must not hold a descriptor each
                # until the request ends (1000 parts, the default field
                # limit, are 1000 descriptors: EMFILE under a 1024 limit)
                import tempfile
                sink = tempfile.SpooledTemporaryFile(_SPOOL_BYTES, "w+b")
            parser.copy_body(sink.write)
            sink.seek(0)
            return Field(name, sink, ctype, type_options, disposition,
                         disposition_options, headers, filename)
        given = self._field_callback
        sink = given() if given is not None else io.BytesIO()
        parser.copy_body(sink.write)
        sink.seek(0)
        part_charset = type_options.get("charset", charset)
        try:
            value = sink.read().decode(part_charset, "surrogateescape")
        except (LookupError, ValueError):   # unknown, or cannot decode
            raise FormError("cannot decode part %r with charset %r"
                            % (name, part_charset)) from None
        field = StringField(value, name)
        if given is not None:
            sink.seek(0)
            field._file = sink      # what field.file returns
        field.type = ctype
        field.type_options = type_options
        field.disposition = disposition
        field.disposition_options = disposition_options
        field.headers = headers
        return field

    # ------------------------------------------------------------ storage

    @property
    def list(self):
        """Every field in form order, a FieldList (made on first use)."""
        if self._list is None:
            self._list = FieldList(map(self._field_at,
                                       range(len(self._names))))
            self._names = self._values = self._index = None
        return self._list

    @list.setter
    def list(self, fields):
        self._list = (fields if isinstance(fields, FieldList)
                      else FieldList(fields))
        self._names = self._values = self._index = None

    def _field_at(self, position):
        """The field at position, made (and kept) if it was only a str."""
        value = self._values[position]
        if type(value) is str:
            value = self._values[position] = StringField(
                value, self._names[position])
        return value

    def _positions(self):
        """{name: [position, ...]} in form order (before ``list``)."""
        index = self._index
        if index is None:
            index = self._index = {}
            for position, name in enumerate(self._names):
                if name in index:
                    index[name].append(position)
                else:
                    index[name] = [position]
        return index

    def _fields(self, key):
        """The fields named key, in form order (a list, maybe empty)."""
        if self._list is not None:
            return self._list.table().get(key, [])
        return [self._field_at(position)
                for position in self._positions().get(key, ())]

    def _keys(self):
        if self._list is not None:
            return self._list.table()
        return self._positions()

    def _select(self, wanted):
        """(name, field) in form order for the fields whose name passes
        wanted(name), making only those fields."""
        if self._list is not None:
            for field in self._list:
                if wanted(field.name):
                    yield field.name, field
            return
        for position, name in enumerate(self._names):
            if wanted(name):
                yield name, self._field_at(position)

    # ------------------------------------------------------------ mapping

    def __getitem__(self, key):
        found = self._fields(key)
        if not found:
            raise KeyError(key)
        return found[0] if len(found) == 1 else list(found)

    def __setitem__(self, key, value):
        """Replace every field named key with one StringField."""
        fields = self.list
        fields[:] = [field for field in fields if field.name != key]
        fields.append(StringField(value, key))
        fields.invalidate()

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        fields = self.list
        fields[:] = [field for field in fields if field.name != key]
        fields.invalidate()

    def add_field(self, key, value):
        """Append a StringField named key (the name may repeat)."""
        field = StringField(value, key)
        if self._list is not None:
            self._list.append(field)
            return
        if self._index is not None:
            self._index.setdefault(key, []).append(len(self._names))
        self._names.append(key)
        self._values.append(field)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def getfirst(self, key, default=None):
        """The first field named key, or default."""
        found = self._fields(key)
        return found[0] if found else default

    def getlist(self, key):
        """Every field named key (possibly an empty list)."""
        return list(self._fields(key))

    def keys(self):
        return list(self._keys())

    def items(self):
        """(name, field) for every field, in form order: a name that
        repeats comes once per field (as in mod_python 3.5)."""
        return list(self._select(_any_name))

    def values(self):
        return [self[key] for key in self.keys()]

    def has_key(self, key):
        return key in self._keys()

    def __contains__(self, key):
        return key in self._keys()

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._keys())

    def clear(self):
        self.list = FieldList()

    def __repr__(self):
        return "FieldStorage(%r)" % (list(self.list),)


def _any_name(name):
    return True


MAX_FIELDS = 1000               # default of mod_python.util.max_fields
_SPOOL_BYTES = 8192             # an uploaded file up to this stays in memory
MAX_FIELDS_OPTION = "mod_python.util.max_fields"
_SHARED_STRINGS = 1000          # distinct names and values shared


def _max_fields(req):
    """The field limit for req: PythonOption mod_python.util.max_fields
    (0: none), MAX_FIELDS without it or for an object without
    get_options().  Another value is a server error (500), logged."""
    get_options = getattr(req, "get_options", None)
    text = None if get_options is None else get_options().get(
        MAX_FIELDS_OPTION)
    if text is None:
        return MAX_FIELDS
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if limit < 0:
        req.log_error("mod_python.util: MP05002: PythonOption %s %r is not "
                      "a whole number >= 0 (0: no limit)"
                      % (MAX_FIELDS_OPTION, text),
                      apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)
    return limit


def _request_reader(req):
    """req.read, with client read errors turned into FormError."""
    def read(size):
        try:
            return req.read(size)
        except OSError as error:
            # Apache refused the body (e.g. 413 over LimitRequestBody)?
            refused = _HTTP_STATUS.search(str(error))
            status = (int(refused.group(1)) if refused
                      else apache.HTTP_BAD_REQUEST)
            raise FormError("error reading the request body: %s" % error,
                            status) from None
    return read


_HTTP_STATUS = re.compile(r"HTTP status (4\d\d)")


def _request_chunks(req, size):
    """The request body, size bytes at a time."""
    read = _request_reader(req)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


class _MultipartParser:
    """Stream the parts of a multipart body from read(size) -> bytes.

    Memory stays bounded by READ_SIZE plus one part's header block: part
    bodies are handed to a write callable as they arrive, keeping back
    only the bytes that could be the start of a delimiter split between
    two reads.
    """

    def __init__(self, read, boundary):
        self._read = read
        self._delimiter = b"\r\n--" + boundary
        # The first delimiter may start the body: pretend a CRLF precedes.
        self._buffer = bytearray(b"\r\n")
        self._eof = False

    def _fill(self):
        """Append one chunk to the buffer; False at the end of the body."""
        if self._eof:
            return False
        data = self._read(READ_SIZE)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    def _need(self, count):
        """Make the buffer hold at least count bytes, or fail."""
        while len(self._buffer) < count:
            if not self._fill():
                raise FormError("multipart body ends before its closing "
                                "boundary")

    def _find_delimiter(self, write):
        """Pass the bytes before the next delimiter to write (unless None)
        and consume the delimiter.  False if the body ends first."""
        delimiter = self._delimiter
        keep = len(delimiter) - 1
        buffer = self._buffer
        while True:
            found = buffer.find(delimiter)
            if found >= 0:
                if write is not None and found:
                    write(buffer[:found])
                del buffer[:found + len(delimiter)]
                return True
            if len(buffer) > keep:
                if write is not None:
                    write(buffer[:-keep])
                del buffer[:-keep]
            if not self._fill():
                return False

    def _after_delimiter(self):
        """True if a part follows the delimiter just read, False if it was
        the closing one."""
        buffer = self._buffer
        self._need(2)
        if buffer.startswith(b"--"):
            return False
        while not buffer.lstrip(b" \t"):          # transport padding
            if len(buffer) > MAX_PART_HEADERS:
                raise FormError("multipart boundary line too long")
            self._need(len(buffer) + 1)
        del buffer[:len(buffer) - len(buffer.lstrip(b" \t"))]
        self._need(2)
        if not buffer.startswith(b"\r\n"):
            raise FormError("multipart boundary line not followed by CRLF")
        del buffer[:2]
        return True

    def _read_headers(self):
        buffer = self._buffer
        self._need(2)
        if buffer.startswith(b"\r\n"):
            del buffer[:2]
            return {}
        start = 0
        while True:
            end = buffer.find(b"\r\n\r\n", start)
            if end >= 0:
                break
            if len(buffer) > MAX_PART_HEADERS:
                break
            start = max(0, len(buffer) - 3)
            self._need(len(buffer) + 1)
        if end < 0 or end > MAX_PART_HEADERS:
            raise FormError("multipart part headers longer than %d bytes"
                            % MAX_PART_HEADERS)
        block = bytes(buffer[:end])
        del buffer[:end + 4]
        return _parse_part_headers(block)

    def parts(self):
        """Yield the headers of each part; the caller must then call
        copy_body() to consume that part's body."""
        if not self._find_delimiter(None):
            raise FormError("multipart body does not contain its boundary")
        while self._after_delimiter():
            yield self._read_headers()

    def copy_body(self, write):
        """Write the current part's body, up to the next delimiter."""
        if not self._find_delimiter(write):
            raise FormError("multipart body ends inside a part")


def _parse_part_headers(block):
    """Parse a part header block (CRLF-separated lines) into a
    case-insensitive-keyed dict: lower-case name -> str value."""
    headers = {}
    lines = block.split(b"\r\n")
    if any(b"\r" in line or b"\n" in line for line in lines):
        raise FormError("bare CR or LF in a multipart part header")
    for line in apache._unfold_header_lines(lines):
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise FormError("malformed multipart part header line %r"
                            % (line[:80].decode("latin-1"),))
        key = name.strip().decode("latin-1").lower()
        text = value.strip().decode("utf-8", "surrogateescape")
        headers[key] = headers[key] + ", " + text if key in headers else text
    return headers


# ------------------------------------------------------- argument matching

def apply_fs_data(object, fs, **args):
    """Call object with the form fields it accepts as keyword arguments.

    args (e.g. req=req) are passed when object accepts them and win over
    form fields of the same name.  A field that repeats is passed as a
    list; an upload as its Field, other values as StringField (a str).
    With a **kwargs parameter every field is passed.  Raises ArgumentError
    (a TypeError) without calling object when a required argument is
    missing.
    """
    accepted, required, hidden = _parameters(object)
    repeated = False
    # a field named like the instance parameter of a method with **kwargs
    # would collide with the instance: never passed
    given = set(args) | hidden if hidden else set(args)
    if accepted is None:
        def wanted(name):
            return name is not None and name not in given
    else:
        def wanted(name):
            return name in accepted and name not in given
    if isinstance(fs, FieldStorage):
        fields = fs._select(wanted)     # makes only the fields passed
    else:
        fields = ((field.name, field) for field in fs.list
                  if wanted(field.name))
    for name, field in fields:
        value = args.get(name)
        if value is None:
            args[name] = field
        elif isinstance(value, _Repeated):
            value.append(field)
        else:
            args[name] = _Repeated((value, field))
            repeated = True
    if accepted is not None and not accepted.issuperset(args):
        for name in [name for name in args if name not in accepted]:
            del args[name]
    for name in required:
        if name not in args:
            raise ArgumentError("missing a required argument: %r" % name)
    if repeated:
        for name, value in args.items():
            if type(value) is _Repeated:
                args[name] = list(value)
    return object(**args)


class _Repeated(list):
    """Values of a field given more than once (while collecting)."""


def _parameters(callable_):
    """(names accepted by keyword or None for **kwargs, required names,
    names never taken from the form: a method's instance parameter)."""
    if isinstance(callable_, types.FunctionType):
        return _function_parameters(callable_, False)
    if isinstance(callable_, types.MethodType) \
            and isinstance(callable_.__func__, types.FunctionType):
        return _function_parameters(callable_.__func__, True)
    call = getattr(type(callable_), "__call__", None)
    if not isinstance(callable_, type) \
            and isinstance(call, types.FunctionType):
        return _function_parameters(call, True)
    return _signature_parameters(callable_, False)


@functools.lru_cache(maxsize=1024)
def _function_parameters(function, bound):
    if function.__dict__:
        # may carry __wrapped__ or __signature__: inspect knows those
        return _signature_parameters(function, bound)
    # A plain function: read its code object, as inspect.signature would,
    # without importing inspect (~1.5 MB in every interpreter).
    code = function.__code__
    count = code.co_argcount
    names = code.co_varnames
    keyword_only = names[count:count + code.co_kwonlyargcount]
    first_default = count - len(function.__defaults__ or ())
    kwdefaults = function.__kwdefaults__ or {}
    # positional-only ones cannot be passed by keyword; a method's first
    # parameter takes the instance
    start = max(code.co_posonlyargcount, 1 if bound and count else 0)
    by_keyword = names[start:count]
    required = names[start:max(start, first_default)] + tuple(
        name for name in keyword_only if name not in kwdefaults)
    hidden = frozenset(names[:1]) if bound and count else frozenset()
    if code.co_flags & _CO_VARKEYWORDS:
        return None, required, hidden
    return frozenset(by_keyword + keyword_only), required, hidden


_CO_VARKEYWORDS = 0x08


def _signature_parameters(callable_, bound):
    import inspect
    try:
        parameters = list(inspect.signature(callable_).parameters.values())
    except (TypeError, ValueError):
        return frozenset(), (), frozenset()
    hidden = frozenset()
    if bound and parameters and parameters[0].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD):
        hidden = frozenset([parameters[0].name])
        parameters = parameters[1:]
    by_keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                  inspect.Parameter.KEYWORD_ONLY)
    accepted = frozenset(p.name for p in parameters if p.kind in by_keyword)
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        accepted = None
    required = tuple(p.name for p in parameters
                     if p.default is p.empty and p.kind in by_keyword)
    return accepted, required, hidden


# ---------------------------------------------------------------- redirect

def redirect(req, location, permanent=0, text=None):
    """Redirect the client to location and end the handler.

    Sends 301 (permanent) or 302 with a Location header and a short body
    (text, or a link to location), then raises SERVER_RETURN(DONE).
    Raises IOError if the response headers were already sent.
    """
    if req.sent_bodyct or req.bytes_sent:
        raise IOError("cannot redirect after the headers have been sent")
    req.err_headers_out["Location"] = location
    req.status = (apache.HTTP_MOVED_PERMANENTLY if permanent
                  else apache.HTTP_MOVED_TEMPORARILY)
    if text is None:
        import html
        if not req._content_type_set:
            req.content_type = "text/html; charset=utf-8"
        text = ('<p>The document has moved <a href="%s">here</a></p>\n'
                % html.escape(location))
    req.write(text)
    raise apache.SERVER_RETURN(apache.DONE)
