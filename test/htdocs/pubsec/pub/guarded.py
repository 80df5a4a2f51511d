"""Guarded by Apache's Basic authentication in a <Files> section."""


def show(req):
    return "GUARDED"
