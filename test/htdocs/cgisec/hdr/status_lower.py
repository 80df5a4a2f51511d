print("status: 404 Not Here")
print("Content-Type: text/plain")
print()
print("lower-case status")
