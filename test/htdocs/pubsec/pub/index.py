def index(req):
    return "PUB INDEX"


def internal(req):
    return "index.py's internal"
