# test_interpreter_setup: imported by site at the start of every
# interpreter of the test's own server (this directory is on its
# PYTHONPATH).  While the file "break" exists beside it, the interpreter's
# set-up fails (mod_python.apache cannot import its logbridge) and the
# pid is appended to "created", one line per interpreter made.
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if os.path.exists(os.path.join(_here, "break")):
    sys.modules["mod_python.logbridge"] = None
    with open(os.path.join(_here, "created"), "a") as _log:
        _log.write("%d\n" % os.getpid())
