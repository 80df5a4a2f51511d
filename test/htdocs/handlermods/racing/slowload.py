"""Takes a while to execute: threads asking for it while it reloads must
wait for that one execution, not start their own."""
import os
import sys
import time

from mod_python import apache

VERSION = "version 1"
sys.handlermods_execs = getattr(sys, "handlermods_execs", [])
sys.handlermods_execs.append(VERSION[-1])
time.sleep(0.5)


def handler(req):
    req.content_type = "text/plain"
    req.write("%s %d %s" % (VERSION, os.getpid(),
                            ",".join(sys.handlermods_execs)))
    return apache.OK
