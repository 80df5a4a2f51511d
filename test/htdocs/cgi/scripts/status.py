print("Status: 404 Not Found")
print("Content-Type: text/plain")
print()
print("custom not found")
