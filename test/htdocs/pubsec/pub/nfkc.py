"""Only a compatibility spelling of __auth__ (NFKC: fullwidth a)."""


def page(req):
    __ａuth__ = {"alice": "wonderland"}
    return "REACHED"
