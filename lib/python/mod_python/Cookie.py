"""HTTP cookies: read them from a request, send them with a response.

Unlike the standard library's ``http.cookies``, a :class:`Cookie` here is
one cookie (a name, a value and its attributes)::

    from mod_python import Cookie

    def handler(req):
        seen = Cookie.get_cookie(req, "seen")
        Cookie.add_cookie(req, "seen", "yes", path="/", max_age=3600)
        ...

:class:`SignedCookie` adds an HMAC-SHA256 signature so that the client
cannot change the value unnoticed; :class:`MarshalCookie` stores any value
``marshal`` can hold, signed, and unmarshals it only once the signature
checks out.  Parsing is tolerant like a browser's: a malformed cookie in
the ``Cookie`` header is skipped, the others are still read.
"""

import base64
import binascii
import email.utils
import hmac
import hashlib
import marshal
import re
import time

__all__ = ["CookieError", "Cookie", "SignedCookie", "MarshalCookie",
           "add_cookie", "get_cookies", "get_cookie"]


class CookieError(Exception):
    """A cookie that cannot be built, or whose signature does not check."""


# RFC 6265 token characters for names; values: cookie-octets plus the
# space and comma browsers accept, never ';' or control characters.
_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VALUE = re.compile(r'^[\x20-\x3a\x3c-\x7e\x80-\U0010ffff]*$')
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_FLAGS = ("secure", "httponly", "discard")
# Rendering order and the name each attribute has in the header.
_ATTRIBUTES = (("expires", "expires"), ("max_age", "max-age"),
               ("path", "path"), ("domain", "domain"),
               ("secure", "secure"), ("httponly", "httponly"),
               ("samesite", "samesite"), ("version", "version"),
               ("comment", "comment"), ("commentURL", "commenturl"),
               ("discard", "discard"), ("port", "port"))
_SIGNATURE_LENGTH = 64          # hex digits of HMAC-SHA256


def _http_date(seconds):
    return email.utils.formatdate(seconds, usegmt=True)


def _parse_expires(text):
    """Seconds since the epoch of an Expires date (RFC 1123 or the
    Netscape form with dashes, as 3.5 wrote it)."""
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return float(time.mktime(time.strptime(
            text, "%a, %d-%b-%Y %H:%M:%S GMT")) - time.timezone)
    except ValueError:
        raise ValueError("invalid expires time: %r" % (text,)) from None


class Cookie:
    """One cookie: ``Cookie(name, value, **attributes)``.

    Attributes (keyword arguments or settable afterwards): ``expires``
    (seconds since the epoch, or an HTTP date), ``max_age``, ``path``,
    ``domain``, ``secure``, ``httponly``, ``samesite`` ("Strict", "Lax"
    or "None"), and 3.5's ``version``, ``comment``, ``commentURL``,
    ``discard`` and ``port``.  ``str(cookie)`` is the value of a
    ``Set-Cookie`` header.
    """

    # What the mismatch= argument of parse() does with a bad signature.
    DOWNGRADE = 0      # keep it as a plain, unsigned Cookie
    IGNORE = 1         # leave it out
    EXCEPTION = 3      # raise CookieError

    _valid_attr = tuple(name for name, _ in _ATTRIBUTES)

    def __init__(self, name, value, **attributes):
        if not isinstance(name, str) or not _NAME.match(name):
            raise CookieError("invalid cookie name: %r" % (name,))
        self.name = name
        self.value = value
        self._attributes = {}
        for key, attribute in attributes.items():
            setattr(self, key, attribute)

    def __setattr__(self, key, value):
        if key in ("name", "value", "_attributes") or key.startswith("__"):
            object.__setattr__(self, key, value)
            return
        canonical = key.lower().replace("-", "_")
        if canonical == "commenturl":
            canonical = "commentURL"
        if canonical not in self._valid_attr:
            raise AttributeError("%s has no attribute %r"
                                 % (type(self).__name__, key))
        self._attributes[canonical] = self._check_attribute(canonical, value)

    def __getattr__(self, key):
        attributes = self.__dict__.get("_attributes", {})
        if key in attributes:
            return attributes[key]
        raise AttributeError(key)

    def __delattr__(self, key):
        if key in self._attributes:
            del self._attributes[key]
        else:
            object.__delattr__(self, key)

    @staticmethod
    def _check_attribute(name, value):
        if name == "expires":
            if isinstance(value, str):
                value = _parse_expires(value)
            return _http_date(float(value))
        if name == "max_age":
            return int(value)
        if name in _FLAGS:
            return bool(value)
        if name == "samesite":
            try:
                return _SAMESITE[str(value).lower()]
            except KeyError:
                raise CookieError("samesite must be Strict, Lax or None, "
                                  "not %r" % (value,)) from None
        value = str(value)
        if ";" in value or not _VALUE.match(value):
            raise CookieError("invalid %s for a cookie: %r" % (name, value))
        return value

    def _header_value(self):
        """The value as it goes on the wire (signed/encoded in subclasses)."""
        value = str(self.value)
        if not _VALUE.match(value) or ";" in value:
            raise CookieError("invalid value for cookie %s: %r"
                              % (self.name, value))
        return value

    def __str__(self):
        parts = ["%s=%s" % (self.name, self._header_value())]
        for name, header_name in _ATTRIBUTES:
            if name not in self._attributes:
                continue
            value = self._attributes[name]
            if name in _FLAGS:
                if value:
                    parts.append(header_name)
            else:
                parts.append("%s=%s" % (header_name, value))
        return "; ".join(parts)

    def __repr__(self):
        return "<%s: %s>" % (type(self).__name__, self)

    @classmethod
    def parse(cls, header, names=None, **kw):
        """The cookies of a ``Cookie`` header value: a dict name -> cookie.

        names: only these names.  Malformed pieces are skipped; of two
        cookies with one name, the first (the most specific) is kept."""
        result = {}
        for name, value in _split_cookie_header(header):
            if names is not None and name not in names:
                continue
            if name not in result:
                result[name] = cls._from_header(name, value, **kw)
        return result

    @classmethod
    def _from_header(cls, name, value, **kw):
        cookie = cls.__new__(cls)
        object.__setattr__(cookie, "_attributes", {})
        object.__setattr__(cookie, "name", name)
        object.__setattr__(cookie, "value", value)
        return cookie


def _split_cookie_header(header):
    """(name, value) pairs of a Cookie header, skipping what is malformed."""
    for piece in header.split(";"):
        name, equals, value = piece.partition("=")
        name = name.strip(" \t,")
        if not equals or not name or name.startswith("$") \
                or not _NAME.match(name):
            continue
        value = value.strip(" \t")
        if not _VALUE.match(value):
            continue
        yield name, value


class SignedCookie(Cookie):
    """A cookie whose value carries an HMAC-SHA256 signature.

    ``SignedCookie(name, value, secret, **attributes)``; the value is sent
    as 64 hex digits of signature followed by the value.  The value is not
    encrypted: the client can read it, not change it."""

    def __init__(self, name, value, secret=None, **attributes):
        Cookie.__init__(self, name, value, **attributes)
        object.__setattr__(self, "_secret", secret)

    def hexdigest(self, text):
        """The signature of text for a cookie of this name."""
        secret = self.__dict__.get("_secret")
        if not secret:
            raise CookieError("cannot sign cookie %s without a secret"
                              % self.name)
        return _signature(secret, self.name, text)

    def _header_value(self):
        value = Cookie._header_value(self)
        return self.hexdigest(value) + value

    def unsign(self, secret):
        """Check the signature with secret and keep the bare value;
        CookieError when it does not match."""
        value = str(self.value)
        signature, data = value[:_SIGNATURE_LENGTH], value[_SIGNATURE_LENGTH:]
        if not secret or len(signature) != _SIGNATURE_LENGTH or \
                not hmac.compare_digest(signature,
                                        _signature(secret, self.name, data)):
            raise CookieError("incorrectly signed cookie: %s" % self.name)
        object.__setattr__(self, "value", data)
        object.__setattr__(self, "_secret", secret)

    def _verify(self, secret):
        self.unsign(secret)

    @classmethod
    def parse(cls, header, secret=None, mismatch=Cookie.DOWNGRADE,
              names=None, **kw):
        """Like Cookie.parse, checking each signature with secret.

        mismatch: DOWNGRADE (a plain Cookie with the raw value), IGNORE
        (left out) or EXCEPTION (CookieError)."""
        result = {}
        for name, raw in Cookie.parse(header, names=names).items():
            cookie = cls._from_header(name, raw.value)
            object.__setattr__(cookie, "_secret", None)
            try:
                cookie._verify(secret)
            except CookieError:
                if mismatch == Cookie.EXCEPTION:
                    raise
                if mismatch == Cookie.IGNORE:
                    continue
                cookie = raw
            result[name] = cookie
        return result


def _signature(secret, name, text):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    message = ("%s=%s" % (name, text)).encode("utf-8", "surrogateescape")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class MarshalCookie(SignedCookie):
    """A signed cookie holding any value ``marshal`` can dump (numbers,
    strings, bytes, lists, dicts ...).  The data is unmarshalled only after
    its signature is checked."""

    def _header_value(self):
        data = base64.b64encode(marshal.dumps(self.value)).decode("ascii")
        return self.hexdigest(data) + data

    def unmarshal(self, secret):
        """Check the signature, then decode the value; CookieError when
        either fails."""
        self.unsign(secret)
        try:
            data = base64.b64decode(self.value, validate=True)
        except (binascii.Error, ValueError):
            raise CookieError("cannot base64-decode cookie %s"
                              % self.name) from None
        try:
            value = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            raise CookieError("cannot unmarshal cookie %s"
                              % self.name) from None
        object.__setattr__(self, "value", value)

    def _verify(self, secret):
        self.unmarshal(secret)


def add_cookie(req, cookie, value="", **attributes):
    """Send a cookie: a Cookie object, or a name with value and attributes.

    Also tells shared caches not to store the Set-Cookie header."""
    if not isinstance(cookie, Cookie):
        cookie = Cookie(cookie, value, **attributes)
    header = str(cookie)
    if "Set-Cookie" not in req.headers_out:
        req.headers_out.add("Cache-Control", 'no-cache="set-cookie"')
    req.headers_out.add("Set-Cookie", header)


def _cookie_header(req):
    return "; ".join(value for key, value in req.headers_in.items()
                     if key.lower() == "cookie")


def get_cookies(req, Class=Cookie, **kw):
    """The request's cookies as a dict name -> Class instance.

    Keyword arguments go to Class.parse (secret=, mismatch=, names=)."""
    header = _cookie_header(req)
    if not header:
        return {}
    return Class.parse(header, **kw)


def get_cookie(req, name, Class=Cookie, **kw):
    """The cookie called name, or None."""
    return get_cookies(req, Class, names=[name], **kw).get(name)
