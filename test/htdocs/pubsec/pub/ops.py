def restart(req):
    return "OPS RESTARTED"
