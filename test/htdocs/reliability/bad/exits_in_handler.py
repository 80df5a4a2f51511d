"""Calls sys.exit() in the handler, and os.abort() never."""
import sys


def handler(req):
    sys.exit("handler called sys.exit")
