import os
print("Content-Type: text/plain")
print()
before = os.environ.get("CGI_LEAK", "unset")
os.environ["CGI_LEAK"] = os.environ["QUERY_STRING"]
os.environ.setdefault("CGI_DEFAULT", "d")
del os.environ["CGI_DEFAULT"]
print("before=%s after=%s" % (before, os.environ["CGI_LEAK"]))
