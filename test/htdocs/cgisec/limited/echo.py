"""Echo the request body; says in the error log that it ran."""
import sys

from mod_python import apache

apache.log_error("CGI-LIMITED-RAN")
body = sys.stdin.read()
print("Content-Type: text/plain")
print()
sys.stdout.write("got %d" % len(body))
