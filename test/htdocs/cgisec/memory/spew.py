"""40 MB of output."""
import sys

sys.stdout.write("Content-Type: application/octet-stream\n\n")
block = b"y" * 65535 + b"\n"
for _ in range(640):
    sys.stdout.buffer.write(block)
