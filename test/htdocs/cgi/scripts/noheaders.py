print("Content-Type: text/plain")
print("but no blank line follows")
