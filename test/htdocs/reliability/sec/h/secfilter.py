"""Output filters for test_security.py."""

from secmod import SECRET, KEPT


def raising(filter):
    data = filter.read()
    if data:
        filter.write(data)
    raise RuntimeError("%s in a filter" % SECRET)


def keeper(filter):
    """Keeps the filter object for a later request to misuse."""
    KEPT["filter"] = filter
    filter.pass_on()
