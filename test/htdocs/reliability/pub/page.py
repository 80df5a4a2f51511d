"""Published with mod_python.publisher in the reliability runs."""


def index(req, name="nobody", token=""):
    return "page %s %s %s" % (name, token, req.interpreter)


def upload(req, file=None, token=""):
    data = file.value if file is not None else b""
    return "upload %d %s %s" % (len(data), token, req.interpreter)
