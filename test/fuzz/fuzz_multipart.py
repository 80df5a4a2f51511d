#!/usr/bin/env python3
"""Coverage-guided fuzz target (atheris) for util.FieldStorage: the
streaming multipart parser and urlencoded bodies.

    python3 test/fuzz/fuzz_multipart.py [libFuzzer options] [corpus dirs]

Input: the first line is the Content-Type header, the rest the body.
FieldStorage must either parse it or raise util.FormError (never another
exception), and the result must not depend on how the body is split
between reads (the parser keeps back bytes that may start a delimiter).
Run through test/stress/stress_fuzz.py (bounded time, figures).

MP_FUZZ_TOLERATE=Name,... (stress_fuzz.py --tolerate) lets exceptions of
those builtin classes (and their subclasses) pass as results, to fuzz on
past a known bug.
"""

import builtins
import os
import sys

import atheris

from fuzzenv import FakeRequest, describe, install_fake_apache

install_fake_apache()
with atheris.instrument_imports():
    from mod_python import util

util.READ_SIZE = 512       # many reads per body, so splits get exercised
util.QUERY_READ_SIZE = 512


TOLERATE = tuple(getattr(builtins, name) for name in os.environ.get(
    "MP_FUZZ_TOLERATE", "").split(",") if name)


def parse(body, ctype, chunk):
    try:
        form = util.FieldStorage(FakeRequest(body, ctype, chunk=chunk),
                                 keep_blank_values=1)
    except util.FormError as error:
        return ("FormError", error.status)
    except Exception as error:
        if not isinstance(error, TOLERATE):
            raise
        return ("tolerated", type(error).__name__)
    return ("ok", describe(form))


def TestOneInput(data):
    head, _, body = data.partition(b"\n")
    ctype = head[:300].decode("latin-1")
    whole = parse(body, ctype, None)
    if len(body) > 1:
        chunk = 1 + data[0] % 97 if data else 1
        split = parse(body, ctype, chunk)
        if split != whole:
            raise AssertionError("reads of %d bytes give %r, one read %r"
                                 % (chunk, split, whole))


def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
