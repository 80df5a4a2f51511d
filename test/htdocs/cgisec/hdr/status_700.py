print("Status: 700 Way Out")
print("Content-Type: text/plain")
print()
print("the script's own body")
