"""__auth__ that checks nobody, and a dict with an empty password."""


def anyone(req):
    return "ANYONE"


anyone.__auth__ = True


def listed(req):
    return "LISTED"


listed.__auth__ = True
listed.__access__ = ["alice"]


def guest_page(req):
    return "GUEST"


guest_page.__auth__ = {"alice": "wonderland", "guest": ""}


def attribute_wins(req):
    __auth__ = {"mallory": "evil"}
    return "ATTRIBUTE WINS"


attribute_wins.__auth__ = {"alice": "wonderland"}


USERS = {"alice": "wonderland", "mallory": "evil"}


def access_tuple(req):
    return "TUPLE %s" % req.user


access_tuple.__auth__ = USERS
access_tuple.__access__ = ("alice",)


def access_set(req):
    return "SET"


access_set.__auth__ = USERS
access_set.__access__ = {"alice"}


def access_dict(req):
    return "DICT"


access_dict.__auth__ = USERS
access_dict.__access__ = {"alice": "anything"}


def access_function(req):
    return "FUNCTION"


access_function.__auth__ = USERS
access_function.__access__ = lambda req, user: user == "alice"
