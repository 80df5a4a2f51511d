__access__ = False

def hello(req):
    return "never"
