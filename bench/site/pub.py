# Publisher hello world (bench row "publisher"): GET /pub.py/hello
def hello(req):
    req.content_type = "text/plain"
    return "Hello!"
