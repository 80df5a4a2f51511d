"""Imported by PythonImport when a child starts (found through PYTHONPATH)."""

import os
import time

IMPORTED_PID = os.getpid()
IMPORTED_AT = time.time()
