import cgihelper
print("Content-Type: text/plain")
print()
print("%s imports=%d" % (cgihelper.VALUE, len(cgihelper.IMPORTS)))
