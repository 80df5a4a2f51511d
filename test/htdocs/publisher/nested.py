"""__auth__ / __access__ / __auth_realm__ protecting single functions."""


def open_page(req):
    return "open to all"


def nested_defs(req):
    __auth_realm__ = "Nested realm"

    def __auth__(req, user, passwd):
        return user == "eggs" and passwd == "spam"

    def __access__(req, user):
        return user == "eggs"

    return "nested defs passed"


def nested_constant(req):
    __auth__ = 0
    return "never"


def nested_access_constant(req):
    __access__ = 0
    return "never"


def with_attributes(req):
    return "attributes passed"


with_attributes.__auth__ = {"eggs": "spam", "joe": "eoj"}
with_attributes.__access__ = ["joe"]
with_attributes.__auth_realm__ = "Attribute realm"


class Protected:
    __auth__ = {"eggs": "spam"}
    __auth_realm__ = "Object realm"

    def page(self, req):
        return "object page for %s" % req.user if req.user else \
            "object page"


protected = Protected()
