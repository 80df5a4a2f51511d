print("Status: 99")
print("Content-Type: text/plain")
print()
print("the script's own body")
