def dump(req):
    return "INTERNAL DUMP"


def index(req):
    return "INTERNAL INDEX"
