import os

print("Content-Type: text/plain")
print()
print(type(os.environ["MP_TWICE"]).__name__, os.environ["MP_TWICE"])
