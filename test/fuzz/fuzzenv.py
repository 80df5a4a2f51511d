"""Import mod_python.util outside Apache, for the fuzz targets.

mod_python.apache imports the C module _apache, which only exists inside
httpd; install_fake_apache() puts a stand-in in sys.modules (constants are
0, log_error writes to stderr) and lib/python on sys.path.  Only pure
Python code (util.parse_qs(l), util.parse_header, util.FieldStorage with
a fake request) is meaningful under it.
"""

import io
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def install_fake_apache():
    if "_apache" in sys.modules:
        return
    fake = types.ModuleType("_apache")
    fake.version = "fuzz"

    def log_error(message, level=0, server=None):
        sys.__stderr__.write("%s\n" % (message,))

    class table(dict):
        pass

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name.upper() == name:
            return 0
        return lambda *args, **kwargs: None

    fake.log_error = log_error
    fake.table = fake.make_table = table
    fake.__getattr__ = __getattr__
    sys.modules["_apache"] = fake
    path = str(REPO / "lib" / "python")
    if path not in sys.path:
        sys.path.insert(0, path)


class FakeRequest:
    """What util.FieldStorage uses of a request.  read() hands out at most
    chunk bytes at a time (like a network read that returns early)."""

    def __init__(self, body, content_type, args=None, method="POST",
                 chunk=None):
        self.method = method
        self.args = args
        self.uri = "/fuzz"
        self.headers_in = {"content-type": content_type} \
            if content_type is not None else {}
        self.notes = {}
        self._body = io.BytesIO(body)
        self._chunk = chunk

    def read(self, size=-1):
        if self._chunk is not None and (size < 0 or size > self._chunk):
            size = self._chunk
        return self._body.read(size)

    def log_error(self, message, level=0):
        pass


def describe(form):
    """A comparable summary of a parsed FieldStorage."""
    fields = []
    for field in form.list:
        if field.filename is not None:
            fields.append(("file", field.name, field.filename, field.type,
                           field.file.read()))
        else:
            fields.append(("str", field.name, str(field), field.type))
    return fields
