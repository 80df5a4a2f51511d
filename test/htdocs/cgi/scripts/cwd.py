import os
print("Content-Type: text/plain")
print()
with open("data.txt") as data:
    print("cwd=%s data=%s" % (os.getcwd(), data.read().strip()))
