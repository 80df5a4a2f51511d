import sys
print("Content-Type: application/octet-stream")
print()
sys.stdout.flush()
sys.stdout.buffer.write(b"\x00\xff\r\n")
print("text", end="")
sys.stdout.buffer.write(b"\xfe")
