"""Filters for the reliability runs."""


def upper(filter):
    """Output filter: upper-cases the response body."""
    data = filter.read()
    while data:
        filter.write(data.upper())
        data = filter.read()
    if data is None:
        filter.close()


def passthrough(filter):
    """Input filter: passes the request body on unchanged, piece by piece."""
    data = filter.read()
    while data:
        filter.write(data)
        data = filter.read()
    if data is None:
        filter.close()
