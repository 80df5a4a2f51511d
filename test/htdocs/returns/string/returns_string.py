def handler(req):
    return "200 OK"
