"""A package in a handler's directory: a library module (dotted name)."""
