#!/usr/bin/env python3
"""Coverage-guided fuzz target (atheris) for util.parse_qs / parse_qsl.

    python3 test/fuzz/fuzz_parse_qs.py [libFuzzer options] [corpus dirs]

Differential: util.parse_qs(l) must give what urllib.parse gives for the
same arguments, or raise the same exception type (it promises to).
Run through test/stress/stress_fuzz.py (bounded time, figures).
"""

import sys
import urllib.parse

import atheris

from fuzzenv import install_fake_apache

install_fake_apache()
with atheris.instrument_imports():
    from mod_python import util

ENCODINGS = ("utf-8", "latin-1", "ascii", "utf-16", "cp1252")
ERRORS = ("replace", "strict", "surrogateescape", "ignore")
SEPARATORS = ("&", ";", "&&", "=", "+", " ", "%")


def outcome(function, *args, **kwargs):
    try:
        return "ok", function(*args, **kwargs)
    except (ValueError, UnicodeError, TypeError, LookupError) as exc:
        return "raised", type(exc).__name__


def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    flags = fdp.ConsumeIntInRange(0, 1 << 16)
    kwargs = {"keep_blank_values": bool(flags & 1),
              "strict_parsing": bool(flags & 2)}
    if flags & 4:
        kwargs["encoding"] = ENCODINGS[(flags >> 4) % len(ENCODINGS)]
    if flags & 8:
        kwargs["errors"] = ERRORS[(flags >> 7) % len(ERRORS)]
    if flags & 0x400:
        kwargs["separator"] = SEPARATORS[(flags >> 11) % len(SEPARATORS)]
    if flags & 0x8000:
        kwargs["max_num_fields"] = (flags >> 9) % 4
    raw = fdp.ConsumeBytes(fdp.remaining_bytes())
    if flags & 0x4000:
        query = raw
    else:
        query = raw.decode("utf-8", "surrogateescape")
    for ours, theirs in ((util.parse_qsl, urllib.parse.parse_qsl),
                         (util.parse_qs, urllib.parse.parse_qs)):
        got = outcome(ours, query, **kwargs)
        expected = outcome(theirs, query, **kwargs)
        if got != expected:
            raise AssertionError("%s(%r, %r): %r != urllib %r" % (
                ours.__name__, query, kwargs, got, expected))


def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
