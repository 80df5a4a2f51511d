"""What the target of a local redirect sees."""
import os
import sys

body = sys.stdin.read()
print("Content-Type: text/plain")
print()
print("method=%s length=%s query=%s body=%r" % (
    os.environ.get("REQUEST_METHOD"), os.environ.get("CONTENT_LENGTH"),
    os.environ.get("QUERY_STRING"), body))
