print("Content-Type: text/plain")
print()
print("fast")
