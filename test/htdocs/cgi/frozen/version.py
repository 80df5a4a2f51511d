print("Content-Type: text/plain")
print()
print("version 1")
