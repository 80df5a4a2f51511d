"""Objects of every kind, published (or not) by mod_python.publisher."""

import json


def index():
    return "index of pages.py"


def html_page(req):
    return "  \n<HTML><body>hi</body></HTML>"


def doctype_page():
    return "<!DOCTYPE html>\n<title>x</title>"


def not_html_start():
    return "text before <html>"


def as_bytes():
    return b"<html>\xff raw bytes"


def nothing(req):
    req.write("written directly")


def own_content_type(req):
    req.content_type = "application/x-custom; charset=latin-1"
    return "caf\u00e9"


def unicode_text():
    return "\u00e9t\u00e9 \u2713"


def number():
    return 42


greeting = "a published string"
answer = 42
config = {"debug": False}


def echo(req, a, b="default", *, c="kw"):
    return json.dumps({"a": a, "b": b, "c": c,
                       "a_type": type(a).__name__})


def echo_kwargs(req, a=None, **rest):
    return json.dumps({"a": a, "rest": sorted(rest)})


def no_req(x="none"):
    return "no req: %s" % x


def wants_req(req):
    return "req is %s, form keys %s" % (type(req).__name__,
                                        sorted(req.form.keys()))


def upload(req, file, note=""):
    return json.dumps({"filename": file.filename,
                       "content": file.value.decode(), "note": note})


def many(req, tag):
    return json.dumps(tag if isinstance(tag, list) else [tag])


def raises(req):
    raise ValueError("boom in page")


class Counter:
    """An instance with methods and attributes (traversable)."""

    label = "counter label"

    def show(self, req, n="0"):
        return "counter %s" % n

    def __call__(self, req):
        return "counter called"

    def _hidden(self):
        return "hidden"


counter = Counter()
counter.inner = Counter()
