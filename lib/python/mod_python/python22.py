# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Compatibility name kept for code written for mod_python 3.

mod_python 3 shipped this module to give Python 2.2 what 2.3 added; code
of that time (its own test handlers among them) starts with ``from
mod_python.python22 import *``.  Python 3 has all of it, so the module
defines nothing.
"""

__all__ = []
