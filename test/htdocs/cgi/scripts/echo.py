"""Used by the concurrency test: echo the request's identity in pieces,
yielding to other threads in between."""
import os
import sys
import time

token = os.environ["QUERY_STRING"]
body = sys.stdin.read()
print("Content-Type: text/plain")
print("X-Token: %s" % os.environ.get("HTTP_X_TOKEN"))
print()
for piece in range(5):
    sys.stdout.write("%s %s %s|" % (piece, token, os.environ["QUERY_STRING"]))
    sys.stdout.flush()
    time.sleep(0.0005)
print(body)
