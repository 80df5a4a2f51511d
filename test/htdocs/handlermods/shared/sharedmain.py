"""A handler module that a helper of its directory imports by name."""
import sys

import sharedhelper
from mod_python import apache

VERSION = "one"


def handler(req):
    req.content_type = "text/plain"
    peer = sharedhelper.peer()
    req.write("%s %s %s" % (peer is sys.modules[__name__], peer.VERSION,
                            sys.modules["sharedmain"] is peer))
    return apache.OK
