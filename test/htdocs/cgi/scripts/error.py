print("Content-Type: text/plain")
print()
raise RuntimeError("script failed")
