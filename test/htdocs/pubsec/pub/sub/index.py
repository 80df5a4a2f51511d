def index(req):
    return "SUB INDEX"
