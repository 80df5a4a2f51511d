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
