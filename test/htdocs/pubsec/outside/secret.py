def show(req):
    return "OUTSIDE SECRET"
