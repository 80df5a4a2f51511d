"""A CGI script run by mod_python.cgihandler in the reliability runs."""
import os
import sys

length = int(os.environ.get("CONTENT_LENGTH") or 0)
body = sys.stdin.buffer.read(length) if length else b""
print("Content-Type: text/plain")
print()
print("cgi %s %d" % (os.environ.get("QUERY_STRING", ""), len(body)))
