"""Has no function named 'no_such_function'."""


def handler(req):
    return 0
