"""A header block of 70,000 bytes, written at once with its blank line."""
import sys

sys.stdout.write("Content-Type: text/plain\nX-Big: %s\n\nbig header body\n"
                 % ("b" * 70000))
