"""A legacy script using the standard cgi module, when Python has it."""
import sys

try:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cgi
except ImportError:
    cgi = None

print("Content-Type: text/plain")
print()
if cgi is None:
    print("no cgi module")
    sys.exit(0)
form = cgi.FieldStorage()
for key in sorted(form.keys()):
    item = form[key]
    if getattr(item, "filename", None):
        print("%s=file:%s:%s" % (key, item.filename, item.file.read().decode()))
    else:
        print("%s=%s" % (key, form.getvalue(key)))
