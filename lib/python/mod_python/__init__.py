# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_python: Apache handlers, filters and connection handlers in Python 3.

The C module mod_python.so embeds Python in Apache httpd; this package holds
the Python side: ``apache`` (the dispatcher and the interface to Apache).
"""

version = "4.0.0"
