from mod_python import apache


def old_name(req):
    req.write("old_name")
    return apache.OK


def handler(req):
    req.content_type = "text/plain"
    req.write(",".join(sorted(name for name in globals()
                              if name.endswith("_name"))))
    return apache.OK
