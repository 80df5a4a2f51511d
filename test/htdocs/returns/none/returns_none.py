def handler(req):
    req.content_type = "text/plain"
    # forgot: return apache.OK
