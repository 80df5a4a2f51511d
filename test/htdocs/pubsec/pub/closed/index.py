"""An index.py that <Files> denies."""


def index(req):
    return "CLOSED INDEX"


def anything(req):
    return "CLOSED ANYTHING"
