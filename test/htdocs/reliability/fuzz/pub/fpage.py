"""Published pages hit by the fuzz corpus."""


def index(req, **fields):
    return "fields %d" % len(fields)


def typed(req, a, b="2", file=None):
    size = len(file.value) if file is not None and hasattr(file, "value") \
        else 0
    return "typed %d %d %d" % (len(str(a)), len(str(b)), size)


class Thing:
    def method(self, x="1"):
        return "method %d" % len(str(x))


thing = Thing()


USERS = {"alice": "wonderland"}


def guarded(req):
    """Auth written in the body (the corpus' 'pubauth' cases)."""
    __auth_realm__ = "fuzz"
    __auth__ = USERS
    __access__ = ["alice"]
    return "guarded"
