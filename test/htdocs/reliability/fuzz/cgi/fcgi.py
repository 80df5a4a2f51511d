"""A CGI script hit by the fuzz corpus (mod_python.cgihandler)."""
import os
import sys
import urllib.parse

try:
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
except ValueError:
    length = 0
body = sys.stdin.buffer.read(length) if length > 0 else b""
fields = urllib.parse.parse_qsl(body.decode("latin-1"),
                                keep_blank_values=True)
sys.stdout.write("Content-Type: text/plain\r\n\r\n")
sys.stdout.write("cgi %d %d %d\n" % (len(os.environ.get("QUERY_STRING", "")),
                                     len(body), len(fields)))
