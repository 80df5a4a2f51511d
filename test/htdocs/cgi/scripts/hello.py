#!/usr/bin/python3
print("Content-Type: text/html")
print()
print("<h1>Hello from a CGI script</h1>")
