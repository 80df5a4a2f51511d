"""Reports which interpreter (and which copy of this module) ran it.

MARK is drawn when the module is imported, so it differs between the
interpreters of one process; COUNT counts the requests of this copy.
"""

import json
import os
import sys
import threading
import time
import uuid

from mod_python import apache

MARK = uuid.uuid4().hex
COUNT = 0
LOCK = threading.Lock()
STORED = None


def handler(req):
    global COUNT, STORED
    action = req.uri.rsplit("/", 1)[-1]
    if action == "store":
        STORED = req.args
    with LOCK:
        COUNT += 1
        count, mark = COUNT, MARK
    if action == "slow":
        time.sleep(0.05)   # let other threads and interpreters run
    req.content_type = "application/json"
    req.write(json.dumps({
        "interpreter": req.interpreter,
        "pid": os.getpid(),
        "mark": mark,
        "same_module": sys.modules[__name__].MARK == MARK,
        "count": count,
        "stored": STORED,
    }))
    return apache.OK
