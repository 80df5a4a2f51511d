# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""``python3 -m mod_python``: the ``mod_python`` command (see cli.py)."""

import sys

from mod_python.cli import main

sys.exit(main())
