def index():
    return "named index"


def page():
    return "named page"
