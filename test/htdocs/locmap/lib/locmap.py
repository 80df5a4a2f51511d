"""Handlers of test/test_location_mapping.py: each says what httpd mapped
the URL to."""
from mod_python import apache


def handler(req):
    if req.args == "decline":
        return apache.DECLINED
    req.content_type = "text/plain"
    req.write("filename=%r interpreter=%s path_info=%r"
              % (req.filename, req.interpreter, req.path_info))
    return apache.OK


def authen(req):
    password = req.get_basic_auth_pw()
    if (req.user, password) == ("ann", "secret"):
        return apache.OK
    return apache.HTTP_UNAUTHORIZED


def via_publisher(req):
    """A handler of one's own that hands the request to the publisher:
    under an unmapped <Location> there is no page file to publish."""
    from mod_python import publisher
    return publisher.handler(req)
