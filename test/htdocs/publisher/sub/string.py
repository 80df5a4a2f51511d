"""A page named like a standard module must not shadow it."""

import string as library


def index():
    return "page string.py; library has ascii_letters: %s" % hasattr(
        library, "ascii_letters")
