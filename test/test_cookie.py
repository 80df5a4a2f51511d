"""mod_python.Cookie: Cookie, SignedCookie, MarshalCookie, add_cookie,
get_cookies, get_cookie, against a real httpd."""

import hashlib
import hmac
import http.client
import json
import urllib.parse

CONFIG = """
<VirtualHost *:{port}>
    ServerName cookie.test
    DocumentRoot {htdocs}/session
    <Directory {htdocs}/session>
        SetHandler mod_python
        PythonHandler sessionhandlers
        PythonDebug On
    </Directory>
</VirtualHost>
"""

HOST = "cookie.test"


def raw_get(httpd, path, cookie_headers=()):
    """GET with the Cookie headers as given (several, malformed ...)."""
    connection = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                            timeout=20)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", HOST)
        for value in cookie_headers:
            connection.putheader("Cookie", value)
        connection.endheaders()
        response = connection.getresponse()
        return (response.status, response.msg.get_all("Set-Cookie") or [],
                response.getheader("Cache-Control"), response.read())
    finally:
        connection.close()


def get(httpd, page, cookies=None, **args):
    headers = {"Cookie": cookies} if cookies else {}
    query = "?" + urllib.parse.urlencode(args) if args else ""
    return httpd.get("/" + page + query, host=HOST, headers=headers)


def test_3_5_cookie_cookie(httpd):
    """3.5's test_Cookie_Cookie: three cookies nastily formatted over two
    headers are all read and sent back."""
    status, set_cookies, cache_control, body = raw_get(
        httpd, "/echo", ["spam=foo; path=blah;;eggs=bar;", "bar=foo"])
    assert status == 200 and body == b"test ok"
    assert sorted(set_cookies) == ["bar=foo", "eggs=bar", "path=blah",
                                   "spam=foo"]
    assert cache_control == 'no-cache="set-cookie"'


def test_3_5_marshal_cookie_is_sent_back_as_read(httpd):
    """3.5's test_Cookie_MarshalCookie: a cookie 3.5 signed (MD5) comes
    back unchanged through plain Cookie parsing."""
    for value in ("eggs=d049b2b61adb6a1d895646719a3dc30bcwQAAABzcGFt",
                  "test=859690207856ec75fc641a7566894e40c1QAAAB0aGlzIGlzIGEg"
                  "dmVyeSBsb25nIHZhbHVlLCBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcg"
                  "c28gbG9uZyBidXQgd2UnbGwgZmluaXNoIGl0IHNvb24="):
        status, set_cookies, _, body = raw_get(httpd, "/echo", [value])
        assert (status, body, set_cookies) == (200, b"test ok", [value])


def test_malformed_cookies_are_skipped_not_500(httpd):
    header = ('good=1; =novalue; bad name=2; noequals; $Version=1; '
              '"quoted"=3; hi=\xe9t\xe9; ok2=two=equals; ; , last=z')
    status, _, _, body = raw_get(httpd, "/names", [header])
    assert status == 200
    # bytes that are not UTF-8 are kept (surrogate-escaped), as browsers do
    assert json.loads(body) == {"good": "1", "ok2": "two=equals",
                                "hi": "\udce9t\udce9", "last": "z"}


def test_first_of_two_cookies_with_one_name_wins(httpd):
    response = get(httpd, "names", cookies="a=specific; a=general")
    assert response.json() == {"a": "specific"}


def test_get_cookie_and_no_cookie_header(httpd):
    assert get(httpd, "one", cookies="x=1; y=2", name="y").text == "2"
    assert get(httpd, "one", name="y").text == "none"
    assert get(httpd, "names").json() == {}


def test_every_attribute_is_rendered(httpd):
    attributes = {"expires": 0, "max_age": 60, "path": "/app",
                  "domain": "example.org", "secure": True, "httponly": True,
                  "samesite": "strict"}
    response = get(httpd, "make", name="c", value="v",
                   attributes=json.dumps(attributes))
    assert response.status_code == 200
    assert response.headers["Set-Cookie"] == (
        "c=v; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=60; path=/app; "
        "domain=example.org; secure; httponly; samesite=Strict")


def test_expires_as_http_date_string(httpd):
    response = get(httpd, "make", attributes=json.dumps(
        {"expires": "Wed, 09 Jun 2021 10:18:14 GMT"}))
    assert response.headers["Set-Cookie"] == \
        "c=v; expires=Wed, 09 Jun 2021 10:18:14 GMT"


def test_bad_attributes_are_refused_with_500(httpd):
    """A value that would inject attributes or headers is an error of the
    handler, never sent."""
    for attributes, value in (({"samesite": "sometimes"}, "v"),
                              ({"path": "/; secure"}, "v"),
                              ({}, "a;b"), ({}, "a\r\nX-Injected: 1"),
                              ({"colour": "red"}, "v")):
        response = get(httpd, "make", value=value,
                       attributes=json.dumps(attributes))
        assert response.status_code == 500
        assert "Set-Cookie" not in response.headers
        assert "X-Injected" not in response.headers


def test_names_that_are_not_tokens_are_refused(httpd):
    """A name that is not an RFC 6265 token could smuggle a second cookie
    or an attribute: CookieError (a 500), nothing sent."""
    for name in ("a b", "a=b", "a;b", "a,b", "a\tb", "caf\u00e9",
                 "a\r\nX-Injected: 1"):
        response = get(httpd, "make", name=name)
        assert response.status_code == 500, name
        assert "Set-Cookie" not in response.headers
        assert "X-Injected" not in response.headers
    # and a control character in an attribute other than path
    response = get(httpd, "make", attributes=json.dumps(
        {"domain": "example.org\r\nX-Injected: 1"}))
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers


def test_unsign_and_unmarshal_by_hand(httpd):
    """cookie.unsign(secret) / cookie.unmarshal(secret) on a plain Cookie
    read without a secret: the value when the signature checks, else
    CookieError."""
    signed = get(httpd, "signed_make", name="user",
                 value="alice").headers["Set-Cookie"]
    assert get(httpd, "by_hand", cookies=signed).json() == {
        "user": ["unsigned", "alice"]}
    assert get(httpd, "by_hand", cookies=signed.replace(
        "alice", "mallory")).json() == {"user": ["CookieError"]}
    marshalled = get(httpd, "marshal_make", value=json.dumps(
        [1, "two"])).headers["Set-Cookie"]
    assert get(httpd, "by_hand", cookies=marshalled).json() == {
        "m": ["unmarshalled", "[1, 'two']"]}
    tampered = marshalled[:-4] + ("AAAA" if marshalled[-4:] != "AAAA"
                                  else "BBBB")
    assert get(httpd, "by_hand", cookies=tampered).json() == {
        "m": ["CookieError"]}


def test_signed_cookie_round_trip_uses_hmac_sha256(httpd):
    made = get(httpd, "signed_make", name="user", value="alice")
    header = made.headers["Set-Cookie"]
    name, _, value = header.partition("=")
    expected = hmac.new(b"s3cret", b"user=alice", hashlib.sha256).hexdigest()
    assert (name, value) == ("user", expected + "alice")
    read = get(httpd, "signed_read", cookies=header)
    assert read.json() == {"user": ["SignedCookie", "alice"]}


def test_tampered_signed_cookie_per_mismatch_mode(httpd):
    signature = hmac.new(b"s3cret", b"user=alice",
                         hashlib.sha256).hexdigest()
    tampered = "user=%smallory" % signature
    moved = "admin=%salice" % signature        # signature of another name
    short = "user=abc"
    for cookie in (tampered, moved, short):
        assert get(httpd, "signed_read", cookies=cookie,
                   mismatch="ignore").json() == {}
        name, _, raw = cookie.partition("=")
        assert get(httpd, "signed_read", cookies=cookie).json() == \
            {name: ["Cookie", raw]}
        assert get(httpd, "signed_read", cookies=cookie,
                   mismatch="exception").text.startswith("CookieError")


def test_marshal_cookie_round_trip(httpd):
    value = {"list": [1, 2, 3], "text": "héllo", "n": None}
    made = get(httpd, "marshal_make", value=json.dumps(value))
    header = made.headers["Set-Cookie"]
    read = get(httpd, "marshal_read", cookies=header).json()
    assert read == {"m": ["MarshalCookie", repr(value)]}


def test_marshal_cookie_is_not_unmarshalled_without_signature(httpd):
    """Data with a bad signature is dropped before marshal.loads sees it:
    a payload marshal would choke on gives no error, just no cookie."""
    import base64
    import marshal
    data = base64.b64encode(marshal.dumps({"admin": True})).decode()
    forged = "m=" + "0" * 64 + data
    garbage = "m=" + hmac.new(b"wrong", b"x", hashlib.sha256).hexdigest() \
        + base64.b64encode(b"\xff\xfe not marshal").decode()
    for cookie in (forged, garbage):
        response = get(httpd, "marshal_read", cookies=cookie)
        assert response.status_code == 200
        assert response.json() == {}
