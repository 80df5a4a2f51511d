# The manual's CAPITALIZE filter (section 4.3), in Python 3.
from mod_python import apache


def outputfilter(filter):
    s = filter.read()
    while s:
        filter.write(s.upper())
        s = filter.read()

    if s is None:
        filter.close()


def inputfilter(filter):
    s = filter.read()
    while s:
        filter.write(s.upper())
        s = filter.read()

    if s is None:
        filter.close()
