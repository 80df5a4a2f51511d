"""A script without cgitb that fails: mod_python's own error page."""
print("Content-Type: text/plain")
print()
raise RuntimeError("failed without cgitb")
