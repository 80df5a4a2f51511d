"""A 12.5 MB response."""
import sys

sys.stdout.write("Content-Type: application/octet-stream\n\n")
sys.stdout.flush()
line = b"x" * 99 + b"\n"
for _ in range(125000):
    sys.stdout.buffer.write(line)
