import sys
sys.stdout.write("Content-type: text/plain; charset=utf-8\n")
sys.stdout.write("Set-Cookie: a=1\n")
sys.stdout.write("Set-Cookie: b=2\n")
sys.stdout.write("X-Custom: folded\n value\n")
sys.stdout.write("\n")
sys.stdout.write("caf\u00e9\n")
