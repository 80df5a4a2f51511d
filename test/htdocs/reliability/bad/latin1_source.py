"""Not UTF-8 and no coding line: ιθ."""

def handler(req):
    return 0
