#!/usr/bin/python3
"""Echo the CGI environment and the body, as a JSON object."""
import json
import os
import sys

NAMES = ["GATEWAY_INTERFACE", "SERVER_PROTOCOL", "REQUEST_METHOD",
         "QUERY_STRING", "REQUEST_URI", "SCRIPT_NAME", "SCRIPT_FILENAME",
         "PATH_INFO", "PATH_TRANSLATED", "CONTENT_TYPE", "CONTENT_LENGTH",
         "HTTP_X_TOKEN", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
         "REMOTE_ADDR", "DOCUMENT_ROOT", "PATH", "HTTP_AUTHORIZATION"]
body = sys.stdin.read()
sys.stdout.write("Content-Type: application/json\r\n\r\n")
print(json.dumps({"env": {name: os.environ.get(name) for name in NAMES},
                  "getenv_query": os.getenv("QUERY_STRING"),
                  "body": body, "name": __name__, "cwd": os.getcwd(),
                  "argv": sys.argv}))
