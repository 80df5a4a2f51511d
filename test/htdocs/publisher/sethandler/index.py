def index():
    return "sethandler index"


def hello(req, who="world"):
    return "hello %s from index" % who
