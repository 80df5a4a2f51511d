print("Status: abc")
print("Content-Type: text/plain")
print()
print("the script's own body")
