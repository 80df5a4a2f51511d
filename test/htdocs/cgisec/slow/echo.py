"""Echo the request body (read from stdin)."""
import sys

body = sys.stdin.read()
print("Content-Type: text/plain")
print()
sys.stdout.write("got %d: %s" % (len(body), body))
