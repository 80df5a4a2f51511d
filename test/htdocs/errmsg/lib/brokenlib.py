"""A library module (on sys.path through PythonPath) failing at import."""
raise RuntimeError("brokenlib fails at import")
