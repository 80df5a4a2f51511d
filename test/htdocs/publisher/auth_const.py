__auth__ = 0

def hello(req):
    return "never"
