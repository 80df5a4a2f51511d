"""The default module: /dir/ and unknown names land here."""


def index(req):
    return "index of index.py"


def other(req):
    return "other in index.py"


class Section:
    def index(self):
        return "section index"

    def page(self, n="1"):
        return "section page %s" % n


section = Section()


def later(req):
    """/later.py while there is no later.py (test_publisher.py)."""
    return "later in index.py"
