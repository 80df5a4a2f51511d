# test_interpreter_setup: a PythonImport that is still running Python when
# the child is told to stop; it registered a child-exit callback first.
# Notes (pid and time) go to this directory.
import os
import time

from mod_python import apache

HERE = os.path.dirname(os.path.abspath(__file__))


def _note(name):
    with open(os.path.join(HERE, name), "a") as note:
        note.write("%d %.6f\n" % (os.getpid(), time.time()))


apache.register_cleanup(lambda data: _note("exit-ran"))
_note("import-started")
time.sleep(8)
_note("import-ended")
