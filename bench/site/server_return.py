# A handler that ends by raising SERVER_RETURN (callgrind.py --table): the
# body is written, then apache.SERVER_RETURN(apache.OK) ends the request.
from mod_python import apache


def handler(req):
    req.content_type = "text/plain"
    req.write(b"Hello!", 0)
    raise apache.SERVER_RETURN(apache.OK)
