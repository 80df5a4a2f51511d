"""bench/parse_qs.py's handler: util.parse_qsl against urllib.parse."""

import json
import timeit
import urllib.parse

from mod_python import apache, util

QUERIES = {
    "form of 4 fields": "name=John+Smith&email=john%40example.com&"
                        "comment=Hello+world%21&submit=Send",
    "7 short fields": "a=1&b=2&c=3&d=hello&e=world&f=foo&g=bar",
    "1 field": "id=42",
    "30 fields, escapes": "&".join("field%d=value+%%C3%%A9+%d" % (i, i)
                                   for i in range(30)),
}


def handler(req):
    """Seconds per 10,000 parses, best of 7, for each query and parser."""
    timings = {}
    for name, query in QUERIES.items():
        assert util.parse_qsl(query) == urllib.parse.parse_qsl(query)
        timings[name] = {
            "util": min(timeit.repeat(lambda: util.parse_qsl(query),
                                      number=10000, repeat=7)),
            "urllib": min(timeit.repeat(
                lambda: urllib.parse.parse_qsl(query), number=10000,
                repeat=7))}
    req.content_type = "application/json"
    req.write(json.dumps(timings))
    return apache.OK
