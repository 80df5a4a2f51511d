import sys
print("Content-Type: text/plain")
print()
print("before exit")
sys.exit(3)
print("after exit")
