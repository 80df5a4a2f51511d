"""Rendezvous: announce arrival in the directory named by the query
string, wait until as many scripts as it says have arrived, then report
what this request sees (its environment, body, cwd, process)."""
import os
import sys
import threading
import time

group, expected, name = os.environ["QUERY_STRING"].split("-")
directory = os.path.join(os.environ["MEET_DIR"], group)
open(os.path.join(directory, name), "w").close()
deadline = time.monotonic() + 15
while len(os.listdir(directory)) < int(expected):
    if time.monotonic() > deadline:
        break
    time.sleep(0.01)
met = len(os.listdir(directory)) >= int(expected)
body = sys.stdin.read()
print("Content-Type: text/plain")
print("X-Name: %s" % name)
print()
print("met=%s query=%s body=%s token=%s cwd=%s pid=%d thread=%d" % (
    met, os.environ["QUERY_STRING"], body, os.environ.get("HTTP_X_TOKEN"),
    os.getcwd(), os.getpid(), threading.get_ident()))
