"""Imports a module that only another script directory has."""
print("Content-Type: text/plain")
print()
try:
    import only_in_two
except ImportError:
    print("ImportError")
else:
    print("imported %s" % only_in_two.VALUE)
