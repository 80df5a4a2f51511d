#!/usr/bin/env python3
"""Generate the hostile-input corpus replayed by test_security.py.

    python3 test/fuzz/make_corpus.py            # (re)write test/fuzz/corpus/
    python3 test/fuzz/make_corpus.py --check    # exit 1 if it is stale

Each file in corpus/ is the exact bytes one client sends on one
connection (then it half-closes and reads until the server closes):
malformed request lines, headers with invalid UTF-8, NUL bytes and overlong
lines, odd query strings (the CVE-2003-0973 / CVE-2004-0096 class) for
util.parse_qs, util.FieldStorage, the publisher and the cgihandler,
urlencoded and multipart bodies, chunked bodies with bad sizes, pipelined
requests.  The generator is deterministic (fixed seeds), so the checked-in
corpus is exactly what it writes; add cases here, not by hand.

File names: NNN-<category>-<what>.http.  Cases whose name contains
"http09" send a request line without a protocol (Apache may answer
HTTP/0.9 style, without a status line).
"""

import argparse
import base64
import random
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
HOST = b"fuzz.test"
DEBUG_HOST = b"fuzz-debug.test"

TARGETS = [b"/h/x", b"/h/read", b"/h/form", b"/pub/fpage.py",
           b"/pub/fpage.py/typed", b"/pub/fpage.py/thing/method",
           b"/cgi/fcgi.py"]


def request(method=b"GET", target=b"/h/x", headers=(), body=b"",
            host=HOST, version=b"HTTP/1.1", content_length=True):
    lines = [method + b" " + target + b" " + version]
    if host is not None:
        lines.append(b"Host: " + host)
    lines += list(headers)
    if content_length and body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def post(target, body, ctype, headers=(), **kwargs):
    return request(b"POST", target, [b"Content-Type: " + ctype]
                   + list(headers), body, **kwargs)


def chunked(target, raw_chunks, ctype=b"application/x-www-form-urlencoded",
            extra=()):
    head = request(b"POST", target, [b"Content-Type: " + ctype,
                                     b"Transfer-Encoding: chunked"]
                   + list(extra))
    return head + raw_chunks


def multipart(parts, boundary=b"BOUNDARY", closing=True, eol=b"\r\n"):
    out = b""
    for headers, content in parts:
        out += b"--" + boundary + eol + eol.join(headers) + eol + eol \
            + content + eol
    if closing:
        out += b"--" + boundary + b"--" + eol
    return out


def disposition(name, filename=None):
    text = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        text += b'; filename="' + filename + b'"'
    return text


def mp_post(body, boundary=b"BOUNDARY", target=b"/h/form", **kwargs):
    return post(target, body, b"multipart/form-data; boundary=" + boundary,
                **kwargs)


# ------------------------------------------------------------ categories

def request_lines(rng):
    yield "empty-line-only", b"\r\n\r\n"
    yield "method-only", b"GET\r\n\r\n"
    yield "http09-simple", b"GET /h/x\r\n\r\n"
    yield "no-crlf-at-all", b"GET /h/x HTTP/1.1"
    yield "bad-version", request(version=b"HTTP/9.9")
    yield "version-garbage", request(version=b"HTTP/1.1x")
    yield "version-lowercase", request(version=b"http/1.1")
    yield "three-spaces", b"GET  /h/x  HTTP/1.1\r\nHost: fuzz.test\r\n\r\n"
    yield "extra-token", request(target=b"/h/x HTTP/1.1 extra")
    yield "nul-in-method", request(method=b"G\x00T")
    yield "nul-in-target", request(target=b"/h/\x00x")
    yield "encoded-nul", request(target=b"/h/%00x")
    yield "bad-escape", request(target=b"/h/%zz")
    yield "truncated-escape", request(target=b"/h/x%")
    yield "dot-dot", request(target=b"/h/../../../../etc/passwd")
    yield "encoded-dot-dot", request(target=b"/h/%2e%2e/%2e%2e/etc/passwd")
    yield "overlong-utf8-slash", request(target=b"/h/%c0%af%c0%afetc")
    yield "raw-high-bytes", request(target=b"/h/\xff\xfe\xc3\x28")
    yield "no-leading-slash", request(target=b"h/x")
    yield "absolute-uri", request(target=b"http://fuzz.test/h/x?a=1")
    yield "absolute-uri-other-host", request(target=b"http://evil/h/x")
    yield "asterisk", request(method=b"OPTIONS", target=b"*")
    yield "asterisk-get", request(target=b"*")
    yield "double-slashes", request(target=b"//h///x//")
    yield "semicolon-params", request(target=b"/h/x;a=b;c?d=e")
    yield "fragment", request(target=b"/h/x#frag?a=1")
    yield "long-uri-414", request(target=b"/h/x?" + b"a" * 9000)
    yield "long-path", request(target=b"/h/" + b"p/" * 3000)
    yield "unknown-method", request(method=b"FROB")
    yield "long-method", request(method=b"M" * 300)
    yield "lowercase-method", request(method=b"get")
    yield "lf-only", b"GET /h/x HTTP/1.1\nHost: fuzz.test\n\n"
    yield "cr-only", b"GET /h/x HTTP/1.1\rHost: fuzz.test\r\r"
    yield "leading-blank-lines", b"\r\n\r\n\r\n" + request()
    yield "tab-separated", b"GET\t/h/x\tHTTP/1.1\r\nHost: fuzz.test\r\n\r\n"
    yield "http10-no-host", request(version=b"HTTP/1.0", host=None)
    yield "http11-no-host", request(host=None)
    yield "binary-garbage", bytes(rng.randrange(256) for _ in range(600))
    yield "tls-client-hello", bytes.fromhex(
        "16030100a5010000a10303") + bytes(rng.randrange(256)
                                          for _ in range(160))
    for method in (b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"TRACE",
                   b"PATCH", b"CONNECT"):
        yield "method-" + method.decode().lower(), request(
            method, b"/h/read", body=b"some body")


def headers(rng):
    yield "invalid-utf8-value", request(headers=[b"X-Bad: \xff\xfe\xc0\xaf"])
    yield "invalid-utf8-name", request(headers=[b"X-\xff\xfe: v"])
    yield "nul-in-value", request(headers=[b"X-Nul: a\x00b"])
    yield "nul-in-name", request(headers=[b"X-N\x00ul: ab"])
    yield "ctl-in-value", request(headers=[b"X-Ctl: a\x01\x7fb"])
    yield "space-in-name", request(headers=[b"Bad Header: x"])
    yield "space-before-colon", request(headers=[b"X-Sp : x"])
    yield "no-colon", request(headers=[b"NoColonHere"])
    yield "empty-name", request(headers=[b": value"])
    yield "obs-fold", request(headers=[b"X-Fold: a", b" continued",
                                       b"\tmore"])
    yield "fold-first-line", request(headers=[b" folded-first"])
    yield "overlong-line", request(headers=[b"X-Long: " + b"v" * 9000])
    yield "long-but-allowed", request(headers=[b"X-Long: " + b"v" * 8000])
    yield "too-many-headers", request(headers=[b"X-H%d: v" % i
                                               for i in range(150)])
    yield "many-headers", request(headers=[b"X-H%d: v" % i
                                           for i in range(90)])
    yield "duplicate-host", request(headers=[b"Host: other.test"])
    yield "host-ctl", request(host=b"fuzz.test\x01")
    yield "host-utf8", request(host=b"f\xc3\xbczz.test")
    yield "host-port-garbage", request(host=b"fuzz.test:abc")
    yield "host-ipv6-bad", request(host=b"[::1")
    yield "host-empty", request(host=b"")
    yield "cookie-junk", request(headers=[b"Cookie: " + bytes(
        rng.randrange(32, 256) for _ in range(3000))])
    yield "auth-bad-base64", request(headers=[b"Authorization: Basic !!!"])
    yield "auth-no-colon", request(headers=[
        b"Authorization: Basic " + base64.b64encode(b"nocolon")])
    yield "auth-non-utf8", request(headers=[
        b"Authorization: Basic " + base64.b64encode(b"\xff\xfe:\xc0")])
    yield "auth-huge", request(headers=[
        b"Authorization: Basic " + base64.b64encode(b"u:" + b"p" * 5000)])
    yield "auth-unknown-scheme", request(headers=[
        b"Authorization: Frob " + b"x" * 100])
    yield "content-type-junk", post(b"/h/form", b"a=1",
                                    b";;;==;boundary;charset")
    yield "content-type-huge-param", post(
        b"/h/form", b"a=1", b"application/x-www-form-urlencoded; x="
        + b"y" * 7000)
    yield "expect-unknown", request(b"POST", b"/h/read",
                                    [b"Expect: 200-ok"], b"body")
    yield "expect-100-no-body", request(
        b"POST", b"/h/read", [b"Expect: 100-continue",
                              b"Content-Length: 10"])
    yield "range-junk", request(headers=[b"Range: bytes=9-1,-,a-b," * 20])
    yield "if-modified-junk", request(headers=[b"If-Modified-Since: \xff"])
    yield "x-forwarded-junk", request(headers=[
        b"X-Forwarded-For: <script>, \xff, 999.1.1.1"])


def content_lengths(rng):
    for name, value in (("negative", b"-1"), ("huge", b"9" * 30),
                        ("non-numeric", b"abc"), ("list", b"3, 3"),
                        ("plus", b"+3"), ("hex", b"0x3"),
                        ("space-inside", b"1 2"), ("empty", b"")):
        yield "content-length-" + name, request(
            b"POST", b"/h/read", [b"Content-Length: " + value], b"abc",
            content_length=False)
    yield "content-length-conflicting", request(
        b"POST", b"/h/read", [b"Content-Length: 3", b"Content-Length: 5"],
        b"abcde", content_length=False)
    yield "content-length-too-long", request(
        b"POST", b"/h/read", [b"Content-Length: 100"], b"short",
        content_length=False)
    yield "content-length-too-short", request(
        b"POST", b"/h/read", [b"Content-Length: 2"],
        b"longer body that becomes the next request", content_length=False)
    yield "content-length-over-limit", request(
        b"POST", b"/h/form", [b"Content-Length: 2000000000",
                              b"Content-Type: application/x-www-form-"
                              b"urlencoded"], b"a=1", content_length=False)
    yield "form-truncated-body", request(
        b"POST", b"/h/form", [b"Content-Length: 5000",
                              b"Content-Type: application/x-www-form-"
                              b"urlencoded"], b"a=1&b=2",
        content_length=False)


ODD_QUERIES = [
    b"", b"=", b"&", b"&&&&&&", b"=====", b"a", b"a=", b"=b", b"a==b",
    b"%", b"%%", b"%%%%%%", b"%2", b"%zz", b"%00", b"a=%00%00", b"%ff=%fe",
    b"a=1&a=2&a=3", b"+", b"++=++", b";;;", b"a;b=c", b"%26=%3D",
    b"a[]=1&a[]=2", b"a[b][c]=d", b"\xc3\xa9=\xc3\xa9", b"\xff\xfe=\xff",
    b"%C0%AF=%E0%80%AF", b"%ED%A0%80=%F4%90%80%80", b"a=%u0041",
    b"req=spoofed&a=1", b"_private=1&__class__=2&a=1", b"a=1&file=x",
    b"=" * 4000, b"&" * 4000, b"%" * 4000, b"a=" + b"%41" * 2500,
    b"&".join(b"k%d=v" % i for i in range(1200)),
    b"k" * 7000 + b"=v",
    b"a=" + b"\\x00" * 500,
    b"a=1&b=2#frag",
]


def queries(rng):
    for index, query in enumerate(ODD_QUERIES):
        for target in (b"/h/x", b"/h/form", b"/pub/fpage.py",
                       b"/pub/fpage.py/typed", b"/cgi/fcgi.py"):
            if len(query) > 3000 and target not in (b"/h/x", b"/h/form"):
                continue
            slug = target.strip(b"/").replace(b"/", b"_").replace(
                b".", b"_").decode()
            yield "q%02d-%s" % (index, slug), request(
                target=target + b"?" + query)
    for index in range(12):
        alphabet = b"ab=&;+%25 2AF0%C3%A9%FF\xff\xc3\xa9\x01x=%zz%2"
        query = bytes(rng.choice(alphabet) for _ in range(rng.randrange(1,
                                                                        400)))
        query = query.replace(b" ", b"+")
        yield "random-%02d" % index, request(target=b"/h/form?" + query)


def urlencoded(rng):
    form = b"application/x-www-form-urlencoded"
    yield "ampersands", post(b"/h/form", b"&" * 100000, form)
    yield "many-fields", post(b"/h/form", b"a=1&" * 20000, form)
    yield "percents", post(b"/h/form", b"%" * 50000, form)
    yield "equals", post(b"/h/form", b"=" * 50000, form)
    yield "invalid-utf8", post(b"/h/form", b"\xff\xfe=\xc0\xaf&a=\xed\xa0"
                               b"\x80", form)
    yield "nul-bytes", post(b"/h/form", b"a\x00=b\x00&\x00", form)
    yield "charset-unknown", post(b"/h/form", b"a=1",
                                  form + b"; charset=no-such-charset")
    yield "charset-rot13", post(b"/h/form", b"a=1", form + b"; charset=rot13")
    yield "charset-utf16-odd", post(b"/h/form", b"a=1\x00\xd8",
                                    form + b"; charset=utf-16")
    yield "charset-quoted-junk", post(b"/h/form", b"a=1",
                                      form + b'; charset="\xff\\"')
    yield "strict-bad-field", post(b"/h/form", b"bad&a=1", form)
    yield "publisher-many-fields", post(b"/pub/fpage.py", b"&".join(
        b"f%d=%d" % (i, i) for i in range(8000)), form)
    yield "publisher-req-spoof", post(b"/pub/fpage.py/typed",
                                      b"req=1&a=2&b=3", form)
    yield "cgi-body", post(b"/cgi/fcgi.py", b"a=1&" * 1000, form)
    yield "read-random-body", request(b"POST", b"/h/read", body=bytes(
        rng.randrange(256) for _ in range(70000)))


def multiparts(rng):
    ok_part = ([disposition(b"a")], b"value")
    yield "no-boundary", post(b"/h/form", multipart([ok_part]),
                              b"multipart/form-data")
    yield "empty-boundary", post(b"/h/form", multipart([ok_part]),
                                 b"multipart/form-data; boundary=")
    yield "boundary-300", mp_post(multipart([ok_part], b"b" * 300),
                                  b"b" * 300)
    yield "boundary-quoted", post(b"/h/form", multipart([ok_part], b"a b"),
                                  b'multipart/form-data; boundary="a b"')
    yield "boundary-utf8", mp_post(multipart([ok_part], b"\xc3\xa9\xff"),
                                   b"\xc3\xa9\xff")
    yield "no-closing-delimiter", mp_post(multipart([ok_part],
                                                    closing=False))
    yield "only-closing", mp_post(b"--BOUNDARY--\r\n")
    yield "empty-body", mp_post(b"")
    yield "boundary-absent", mp_post(b"just some text\r\n")
    yield "part-without-headers", mp_post(multipart([([], b"x")]))
    yield "header-without-colon", mp_post(multipart([([b"NoColon"], b"x")]))
    yield "header-empty-name", mp_post(multipart([([b": v"], b"x")]))
    yield "huge-part-headers", mp_post(multipart([(
        [disposition(b"a"), b"X-Big: " + b"h" * 70000], b"x")]))
    yield "bare-lf-in-headers", mp_post(
        b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\nX: y"
        b"\r\n\r\nv\r\n--BOUNDARY--\r\n")
    yield "lf-only-everywhere", mp_post(multipart([ok_part], eol=b"\n"))
    yield "cr-only-everywhere", mp_post(multipart([ok_part], eol=b"\r"))
    yield "filename-traversal", mp_post(multipart([(
        [disposition(b"f", b"../../../../etc/passwd")], b"data")]))
    yield "filename-nul", mp_post(multipart([(
        [disposition(b"f", b"a\x00b.txt")], b"data")]))
    yield "filename-rfc5987-bad", mp_post(multipart([(
        [b"Content-Disposition: form-data; name=\"f\"; filename*=utf-8''"
         b"%ff%fe%zz"], b"data")]))
    yield "filename-rfc5987-unknown-charset", mp_post(multipart([(
        [b"Content-Disposition: form-data; name=\"f\"; filename*=frob''x"],
        b"data")]))
    yield "disposition-junk", mp_post(multipart([(
        [b"Content-Disposition: ;;;=;\"\\"], b"data")]))
    yield "part-charset-unknown", mp_post(multipart([(
        [disposition(b"a"), b"Content-Type: text/plain; charset=frob"],
        b"v")]))
    yield "part-charset-rot13", mp_post(multipart([(
        [disposition(b"a"), b"Content-Type: text/plain; charset=rot13"],
        b"v")]))
    yield "part-charset-utf32", mp_post(multipart([(
        [disposition(b"a"), b"Content-Type: text/plain; charset=utf-32"],
        b"\xff\x00abc")]))
    yield "part-charset-name-not-utf8", mp_post(multipart([(
        [disposition(b"a"), b"Content-Type: text/plain; charset=\xff\xfe"],
        b"v")]))
    yield "part-type-no-slash", mp_post(multipart([(
        [disposition(b"a", b"f"), b"Content-Type: nonsense"], b"v")]))
    yield "delimiter-in-content", mp_post(multipart([(
        [disposition(b"a")], b"x--BOUNDARYx\r\n--BOUNDAR")]))
    yield "delimiter-then-garbage", mp_post(
        b"--BOUNDARY\r\n" + disposition(b"a") + b"\r\n\r\nv\r\n"
        b"--BOUNDARYgarbage\r\n")
    yield "padding-after-delimiter", mp_post(
        b"--BOUNDARY" + b" " * 70000 + b"\r\n" + disposition(b"a")
        + b"\r\n\r\nv\r\n--BOUNDARY--\r\n")
    yield "preamble-epilogue", mp_post(
        b"preamble junk\r\n" + multipart([ok_part]) + b"epilogue junk" * 100)
    yield "many-tiny-parts", mp_post(multipart([(
        [disposition(b"p%d" % i)], b"") for i in range(1500)]))
    yield "nested-mixed", mp_post(multipart([(
        [disposition(b"outer"), b"Content-Type: multipart/mixed; "
         b"boundary=INNER"], multipart([ok_part], b"INNER"))]))
    yield "truncated-in-headers", mp_post(
        b"--BOUNDARY\r\nContent-Disposition: form-da")
    yield "truncated-in-content", mp_post(
        b"--BOUNDARY\r\n" + disposition(b"f", b"x") + b"\r\n\r\n"
        + b"x" * 5000)
    yield "random-bytes", mp_post(bytes(rng.randrange(256)
                                        for _ in range(5000)))
    yield "publisher-upload", mp_post(multipart([
        ([disposition(b"a")], b"1"),
        ([disposition(b"file", b"x.bin")], bytes(range(256)) * 10)]),
        target=b"/pub/fpage.py/typed")
    yield "publisher-file-as-string", mp_post(multipart([
        ([disposition(b"a", b"f")], b"1")]), target=b"/pub/fpage.py/typed")
    yield "cgi-multipart", mp_post(multipart([ok_part]),
                                   target=b"/cgi/fcgi.py")
    for index in range(10):
        parts = []
        for number in range(rng.randrange(1, 6)):
            name = bytes(rng.choice(b"ab\"\\;= \xff") for _ in range(
                rng.randrange(0, 8)))
            content = bytes(rng.randrange(256)
                            for _ in range(rng.randrange(0, 300)))
            head = [disposition(name, name if rng.random() < 0.5 else None)]
            if rng.random() < 0.3:
                head.append(b"Content-Type: text/plain; charset=latin-1")
            parts.append((head, content))
        body = multipart(parts, closing=rng.random() < 0.8)
        cut = rng.randrange(len(body) + 1) if rng.random() < 0.3 \
            else len(body)
        yield "random-%02d" % index, mp_post(body[:cut])


def chunks(rng):
    good = b"5\r\na=1&b\r\n3\r\n=22\r\n0\r\n\r\n"
    yield "good", chunked(b"/h/form", good)
    yield "size-not-hex", chunked(b"/h/read", b"zz\r\nabc\r\n0\r\n\r\n")
    yield "size-negative", chunked(b"/h/read", b"-1\r\nabc\r\n0\r\n\r\n")
    yield "size-overflow", chunked(b"/h/read", b"f" * 40
                                   + b"\r\nabc\r\n0\r\n\r\n")
    yield "size-0x-prefix", chunked(b"/h/read", b"0x3\r\nabc\r\n0\r\n\r\n")
    yield "size-with-space", chunked(b"/h/read", b"3 \r\nabc\r\n0\r\n\r\n")
    yield "size-leading-space", chunked(b"/h/read", b" 3\r\nabc\r\n0\r\n\r\n")
    yield "size-extension", chunked(b"/h/read",
                                    b"3;ext=1;x\r\nabc\r\n0\r\n\r\n")
    yield "size-extension-huge", chunked(
        b"/h/read", b"3;" + b"e" * 20000 + b"\r\nabc\r\n0\r\n\r\n")
    yield "size-line-huge", chunked(b"/h/read", b"0" * 20000 + b"3\r\nabc"
                                    b"\r\n0\r\n\r\n")
    yield "data-longer-than-size", chunked(b"/h/read",
                                           b"3\r\nabcdef\r\n0\r\n\r\n")
    yield "data-shorter-than-size", chunked(b"/h/read",
                                            b"9\r\nabc\r\n0\r\n\r\n")
    yield "missing-crlf-after-data", chunked(b"/h/read",
                                             b"3\r\nabc0\r\n\r\n")
    yield "missing-last-chunk", chunked(b"/h/read", b"3\r\nabc\r\n")
    yield "missing-final-crlf", chunked(b"/h/read", b"3\r\nabc\r\n0\r\n")
    yield "trailers", chunked(b"/h/read", b"3\r\nabc\r\n0\r\nX-T: 1\r\n"
                              b"X-Bad \xff\r\n\r\n")
    yield "trailer-flood", chunked(b"/h/read", b"3\r\nabc\r\n0\r\n" + b"".join(
        b"X-T%d: v\r\n" % i for i in range(500)) + b"\r\n")
    yield "lf-only", chunked(b"/h/read", b"3\nabc\n0\n\n")
    yield "many-tiny-chunks", chunked(b"/h/form", b"1\r\na\r\n" * 8000
                                      + b"0\r\n\r\n")
    yield "with-content-length", chunked(b"/h/read", good,
                                         extra=[b"Content-Length: 3"])
    yield "te-gzip", request(b"POST", b"/h/read",
                             [b"Transfer-Encoding: gzip"], b"abc")
    yield "te-chunked-twice", chunked(b"/h/read", good,
                                      extra=[b"Transfer-Encoding: chunked"])
    yield "te-identity-chunked", request(
        b"POST", b"/h/read", [b"Transfer-Encoding: identity, chunked"],
        good, content_length=False)
    yield "te-chunked-identity", request(
        b"POST", b"/h/read", [b"Transfer-Encoding: chunked, identity"],
        good, content_length=False)
    yield "te-space-chunked", request(
        b"POST", b"/h/read", [b"Transfer-Encoding:  chunked "], good,
        content_length=False)
    yield "te-http10", request(b"POST", b"/h/read",
                               [b"Transfer-Encoding: chunked"], good,
                               version=b"HTTP/1.0", content_length=False)
    yield "multipart-chunked", chunked(
        b"/h/form", b"%x\r\n" % 60 + multipart([([disposition(b"a")],
                                                b"1")])[:60]
        + b"\r\n0\r\n\r\n", b"multipart/form-data; boundary=BOUNDARY")
    yield "publisher-chunked", chunked(b"/pub/fpage.py", good)
    yield "cgi-chunked", chunked(b"/cgi/fcgi.py", good)


def pipelines(rng):
    yield "valid-then-garbage", request() + b"\x00\xff garbage\r\n\r\n"
    yield "fifty-requests", request() * 50
    yield "mixed-targets", b"".join(request(target=target)
                                    for target in TARGETS)
    yield "valid-then-partial", request() + b"GET /h/x HTT"
    yield "post-then-get", post(b"/h/form", b"a=1", b"application/x-www-"
                                b"form-urlencoded") + request()
    yield "debug-host-errors", b"".join(request(
        target=target + b"?a=%ff&<script>=1", host=DEBUG_HOST)
        for target in TARGETS)


def publisher(rng):
    for path in (b"/pub/fpage.py/thing/method?x=1",
                 b"/pub/fpage.py/thing/__class__",
                 b"/pub/fpage.py/thing.__dict__",
                 b"/pub/fpage.py/index/__globals__",
                 b"/pub/fpage.py/index.__code__.co_consts",
                 b"/pub/fpage.py/typed",
                 b"/pub/fpage.py/typed?a=1&a=2&b=<script>",
                 b"/pub/fpage.py/Thing",
                 b"/pub/fpage.py/__builtins__/open?file=/etc/passwd",
                 b"/pub/fpage.py/.", b"/pub/fpage.py/..",
                 b"/pub/fpage.py//", b"/pub/fpage.py/%00",
                 b"/pub/fpage.py/\xff\xfe",
                 b"/pub/fpage.py/" + b"a." * 2000,
                 b"/pub/fpage.py/" + b"a/" * 2000,
                 b"/pub/nonexistent.py/x", b"/pub/os.py/getcwd",
                 b"/pub/..%2f..%2fh%2ffuzzmod.py/handler",
                 b"/pub/fpage", b"/pub/fpage.py.bak", b"/pub/"):
        slug = path[len(b"/pub/"):][:40].decode("latin-1")
        slug = "".join(c if c.isalnum() else "_" for c in slug)
        yield slug, request(target=path)
    for path in (b"/pub/fpage.py/typed?a=<script>alert(1)</script>",
                 b"/h/form?a=\xff<script>"):
        yield "debug-" + str(len(path)), request(target=path,
                                                 host=DEBUG_HOST)


def forms(rng):
    """Field limits (mod_python.util.max_fields, default 1000; none under
    /h/many) and urlencoded bodies parsed as they are read."""
    form = b"application/x-www-form-urlencoded"
    yield "at-limit", post(b"/h/form", b"&".join([b"a=1"] * 1000), form)
    yield "over-limit", post(b"/h/form", b"&".join([b"a=1"] * 1001), form)
    yield "over-limit-query-and-body", post(
        b"/h/form?" + b"&".join([b"q"] * 600), b"&".join([b"a"] * 401),
        form)
    yield "over-limit-publisher", post(b"/pub/fpage.py", b"a&" * 50000,
                                       form)
    yield "over-limit-parts", mp_post(multipart([
        ([disposition(b"p")], b"") for _ in range(1001)]))
    yield "over-limit-file-parts", mp_post(multipart([
        ([disposition(b"f", b"f.txt")], b"x") for _ in range(1001)]))
    yield "no-limit-many-fields", post(b"/h/many/form", b"a&" * 200000,
                                       form)
    # multi-byte characters and %-escapes across the reads of 8 KiB
    pieces = [b"\xc3\xa9", b"%C3%A9", b"+", b"%", b"%2", b"a", b"=", b"&",
              b"\xf0\x9f\x98\x80", b"%FF", b"\xff"]
    yield "straddling-reads", post(b"/h/many/form", b"".join(
        rng.choice(pieces) for _ in range(40000)), form)
    yield "utf16-across-reads", post(
        b"/h/many/form", ("a=\u00e9&" * 5000).encode("utf-16"),
        form + b"; charset=utf-16")
    yield "one-field-across-reads", post(b"/h/form", b"a=" + b"%41" * 20000,
                                         form)


def publisher_auth(rng):
    """The page file reached by URLs other than its own (Apache is asked
    about page.py first) and Basic credentials of every odd shape against
    an __auth__ written in a function body."""
    for path in (b"/pub/fpage/typed?a=1", b"/pub/fpage.txt/typed?a=1",
                 b"/pub/fpage.PY/typed?a=1", b"/pub/fpage.", b"/pub/fpage/",
                 b"/pub/fpage/thing/method", b"/pub//fpage/typed?a=1",
                 b"/pub/fpage%2fguarded", b"/pub/fpage;x/typed?a=1",
                 b"/pub/fpage/guarded"):
        slug = "".join(c if c.isalnum() else "_"
                       for c in path[len(b"/pub/"):].decode("latin-1"))
        yield "path-" + slug, request(target=path)
    import base64
    credentials = [b"alice:wonderland", b"alice:", b":", b"", b"alice",
                   b"alice:wonderland:extra", b"\x00:\x00", b"alice\x00:x",
                   "\u00e9:\u00e9".encode("utf-8"), b"\xff\xfe:\xff",
                   b"a" * 8000 + b":b", b"nobody:", b"admin:anything"]
    for number, value in enumerate(credentials):
        header = b"Authorization: Basic " + base64.b64encode(value)
        yield "basic-%d" % number, request(
            target=b"/pub/fpage.py/guarded", headers=[header])
    for number, header in enumerate([
            b"Authorization: Basic", b"Authorization: Basic !!!",
            b"Authorization: Basic YWxpY2U6d29uZGVybGFuZA",   # no padding
            b"Authorization: basic YWxpY2U6d29uZGVybGFuZA==",
            b"Authorization: Digest username=\"alice\"",
            b"Authorization: Basic  YWxpY2U6d29uZGVybGFuZA==  ",
            b"Authorization: Basic " + b"A" * 12000]):
        yield "header-%d" % number, request(
            target=b"/pub/fpage/guarded", headers=[header])


CATEGORIES = [("reqline", request_lines, 1), ("header", headers, 2),
              ("clen", content_lengths, 3), ("query", queries, 4),
              ("urlenc", urlencoded, 5), ("multipart", multiparts, 6),
              ("chunked", chunks, 7), ("pipeline", pipelines, 8),
              ("publisher", publisher, 9), ("forms", forms, 10),
              ("pubauth", publisher_auth, 11)]


def generate():
    """{file name: bytes} of the whole corpus."""
    files = {}
    number = 0
    for category, function, seed in CATEGORIES:
        rng = random.Random(seed)
        for slug, data in function(rng):
            number += 1
            name = "%03d-%s-%s.http" % (number, category, slug)
            if name in files:
                raise ValueError("duplicate case " + name)
            files[name] = data
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare with the checked-in corpus")
    args = parser.parse_args(argv)
    files = generate()
    present = {path.name: path.read_bytes()
               for path in CORPUS.glob("*.http")} if CORPUS.is_dir() else {}
    if args.check:
        stale = sorted(set(files) ^ set(present)) + sorted(
            name for name in files if name in present
            and files[name] != present[name])
        if stale:
            print("corpus is stale (run %s): %s" % (Path(__file__).name,
                                                    stale[:10]))
            return 1
        print("corpus up to date: %d cases" % len(files))
        return 0
    CORPUS.mkdir(exist_ok=True)
    for name in set(present) - set(files):
        (CORPUS / name).unlink()
    for name, data in files.items():
        (CORPUS / name).write_bytes(data)
    print("wrote %d cases, %d bytes, to %s"
          % (len(files), sum(map(len, files.values())), CORPUS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
