"""Which helper module a script of this directory gets, and whether its
directory is first on sys.path (as under CGI)."""
import os
import sys

import helper

here = os.path.dirname(os.path.abspath(__file__))
print("Content-Type: text/plain")
print()
print("helper=%s first=%s" % (helper.VALUE, sys.path[0] == here))
