#!/usr/bin/env python3
"""Serve the tutorial examples of the manual on a private Apache httpd.

    python3 demo/run.py          # then open http://127.0.0.1:8080/

Needs the module built first (make).  The port is 8080, or MP_DEMO_PORT.
Apache runs with the event MPM from a temporary copy of demo/htdocs
(world-readable, so that it also works when run as root, with the children
running as www-data); Ctrl-C stops it and removes the copy.
"""

import os
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test"))

from harness import HarnessError, Httpd  # noqa: E402

# Each example directory has its own myscript.py: PythonInterpPerDirectory
# gives each directory its own interpreter, so the three never mix.
CONFIG = """
PythonInterpPerDirectory On
<Directory {htdocs}>
    DirectoryIndex index.html
    AddHandler python-program .py
    PythonHandler myscript
    PythonDebug On
</Directory>
<Directory {htdocs}/spam>
    PythonHandler myscript::spam
</Directory>
<Directory {htdocs}/private>
    PythonHandler myscript
    PythonAuthenHandler myscript
    AuthType Basic
    AuthName "Restricted Area"
    Require valid-user
</Directory>
"""

PAGES = [
    ("/", "index of the examples"),
    ("/hello.py", "hello world (PythonHandler myscript)"),
    ("/spam/hello.py", "PythonHandler myscript::spam"),
    ("/private/hello.py", "PythonAuthenHandler: user spam, password eggs"),
]


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    port = int(os.environ.get("MP_DEMO_PORT", "8080"))
    try:
        server = Httpd("event", CONFIG, htdocs=HERE / "htdocs", port=port,
                       name="mp-demo")
    except HarnessError as exc:
        print("demo: %s" % exc, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.start()
    except HarnessError as exc:
        print("demo: %s" % exc, file=sys.stderr)
        server.cleanup()
        return 1
    print("mod_python demo: Apache (event MPM) is serving %s" % server.htdocs)
    for path, what in PAGES:
        print("  %-40s %s" % (server.url(path), what))
    print("error log: %s" % server.error_log_path)
    print("Press Ctrl-C to stop.", flush=True)
    status = 0
    try:
        while server.process.poll() is None:
            time.sleep(0.5)
        print("demo: httpd exited unexpectedly\n%s" % server.diagnostics(),
              file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("\nstopping Apache ...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            server.stop()
        finally:
            server.cleanup()
    print("stopped.")
    return status


if __name__ == "__main__":
    sys.exit(main())
