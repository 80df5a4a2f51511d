"""Published under a <Location>: the publisher needs the file."""


def hello(req):
    return "hello from %s" % req.filename
