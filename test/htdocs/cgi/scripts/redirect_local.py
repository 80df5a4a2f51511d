print("Location: /scripts/hello.py")
print()
print("this body is dropped")
