"""Importable only through the PythonPath directive."""
VALUE = "extra_module imported"
