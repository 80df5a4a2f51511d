# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Imports in an interpreter with its own GIL (PythonInterpreterGIL own).

There CPython refuses an extension module that keeps per-process state
(single-phase initialisation, or no Py_mod_multiple_interpreters support)
with "module X does not support loading in subinterpreters".  mod_python
calls install() first thing in such an interpreter, so that this
ImportError also says how to run the application anyway: in a
shared-GIL interpreter (``PythonInterpreterGIL shared``).
"""

import sys
from importlib import machinery

ADVICE = ("; this interpreter has its own GIL (PythonInterpreterGIL own), "
          "which such a module cannot use: run this application in a "
          "shared-GIL interpreter with 'PythonInterpreterGIL shared'")


class ExtensionFileLoader(machinery.ExtensionFileLoader):
    """The standard loader, with the advice added to the refusal."""

    def create_module(self, spec):
        try:
            return super().create_module(spec)
        except ImportError as error:
            if "subinterpreters" not in str(error):
                raise
            raise ImportError(str(error) + ADVICE, name=error.name,
                              path=error.path) from None


def _is_file_finder_hook(hook):
    return "FileFinder" in getattr(hook, "__qualname__", "")


def install():
    """Load extension modules found on sys.path with ExtensionFileLoader."""
    hook = machinery.FileFinder.path_hook(
        (ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES))
    hooks = [hook if _is_file_finder_hook(old) else old
             for old in sys.path_hooks]
    if hook not in hooks:
        hooks.append(hook)
    sys.path_hooks[:] = hooks
    # finders made before this (for the directories of sys.path) would
    # keep the stock loader
    sys.path_importer_cache.clear()
