"""A module imported by uses_helper.py: reloaded for every request."""
VALUE = "helper value 1"
IMPORTS = []
IMPORTS.append(1)
