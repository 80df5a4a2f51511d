"""Imported by `PythonImport pathimported::started`: found only through the
server-level PythonPath, as in mod_python 3.5's own PythonImport test."""

import os

from mod_python import apache

STARTED_IN = None


def started():
    """Called once the module is imported, with no arguments."""
    global STARTED_IN
    STARTED_IN = os.getpid()
    apache.main_server.get_options()["pathimported::started"] = "1"


def fails():
    raise RuntimeError("PythonImport function failure")
