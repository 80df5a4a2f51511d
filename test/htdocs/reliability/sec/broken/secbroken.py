"""A handler module that does not compile; the offending line holds a
secret that must not reach the client with PythonDebug Off."""

PASSWORD = "s3cr3t-source-7f1c" +


def handler(req):
    return 0
