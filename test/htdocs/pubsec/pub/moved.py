"""Its URI /pub/moved.py is aliased to another file."""


def show(req):
    return "MOVED PAGE"
