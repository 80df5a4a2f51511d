import os
print("Content-Type: text/plain")
print()
print("cwd=%s" % os.getcwd())
