"""A CGI local redirect: Location with a local path and no Status."""
print("Location: /hdr/method.py?from=redirect")
print()
