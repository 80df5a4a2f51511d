"""Under a <Directory> that denies every request."""


def hello(req):
    return "private page ran"
