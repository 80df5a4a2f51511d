"""Target of the fuzz corpus replay (test/fuzz/replay.py): touches every
part of the request a handler usually looks at, then answers a summary.

/h/read   read the body with req.read() and readline(), parse the query
/h/form   util.FieldStorage (query, urlencoded or multipart body)
/h/*      members and tables only
"""

import hashlib
import json

from mod_python import apache, util


def handler(req):
    action = req.uri.rsplit("/", 1)[-1]
    summary = {"interpreter": req.interpreter}
    for name in ("method", "uri", "unparsed_uri", "args", "path_info",
                 "filename", "protocol", "hostname", "content_type",
                 "the_request", "user", "ap_auth_type"):
        value = getattr(req, name)
        summary[name] = value if value is None else len(str(value))
    summary["headers"] = sorted((key, len(value)) for key, value
                                in req.headers_in.items())
    summary["query"] = len(util.parse_qsl(req.args or "",
                                          keep_blank_values=True))
    if action == "read":
        first = req.readline(100)
        rest = req.read()
        summary["body"] = hashlib.sha256(first + rest).hexdigest()
    elif action == "form":
        form = util.FieldStorage(req, keep_blank_values=1)
        fields = []
        for field in form.list:
            if field.filename is not None:
                fields.append((field.name, field.filename,
                               len(field.file.read())))
            else:
                fields.append((field.name, len(str(field))))
        summary["fields"] = fields
    req.content_type = "application/json"
    # surrogateescaped bad bytes are written back as they came
    req.write(json.dumps(summary, ensure_ascii=False).encode(
        "utf-8", "surrogateescape"))
    return apache.OK
