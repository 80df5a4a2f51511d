"""Handlers for test_api_table.py: the table object (manual 4.5.2)."""

import apitest
from mod_python import apache

kept = {}


def handler(req):
    return apitest.dispatch(req, globals())


def fixuphandler(req):
    req.notes["from-fixup"] = "noted"
    return apache.OK


def t_protocol(req):
    t = apache.table()
    out = {}
    t["Content-Type"] = "text/plain"
    out["case_get"] = t["content-type"]
    out["case_in"] = "CONTENT-TYPE" in t
    out["not_in"] = "missing" in t
    out["int_in"] = 1 in t
    t.add("Set-Cookie", "a=1")
    t.add("set-cookie", "b=2")
    out["duplicates"] = t["SET-COOKIE"]
    out["len"] = len(t)
    out["keys"] = t.keys()
    out["values"] = t.values()
    out["items"] = t.items()
    out["iter"] = list(t)
    out["get"] = t.get("content-type")
    out["get_missing"] = t.get("missing")
    out["get_default"] = t.get("missing", "dflt")
    out["setdefault_old"] = t.setdefault("Content-Type", "other")
    out["setdefault_new"] = t.setdefault("X-New", "v")
    out["setdefault_empty"] = t.setdefault("X-Empty")
    out["after_setdefault"] = t["x-new"]
    t["content-type"] = "text/html"          # replaces, keeps one entry
    out["replaced"] = [t["Content-Type"], t.keys().count("Content-Type")
                       + t.keys().count("content-type")]
    copy = t.copy()
    copy["X-Only-In-Copy"] = "1"
    out["copy_independent"] = ["X-Only-In-Copy" in t, "x-only-in-copy" in copy,
                               type(copy).__name__]
    del t["x-new"]
    out["deleted"] = "X-New" in t
    out["del_missing"] = apitest.attempt(t.__delitem__, "x-new")
    out["getitem_missing"] = apitest.attempt(t.__getitem__, "nope")
    out["pop_duplicates"] = t.pop("set-cookie")
    out["pop_missing_default"] = t.pop("set-cookie", "gone")
    out["pop_missing"] = apitest.attempt(t.pop, "set-cookie")
    t.update({"A": "1"}, b="2")
    t.update([("C", "3")])
    t.update(apache.table({"D": "4"}))
    out["updated"] = [t["a"], t["B"], t["c"], t["d"]]
    out["dict"] = dict(t)
    out["eq_dict"] = t == dict(t)
    out["eq_dict_other_case"] = t == {k.upper(): v for k, v in dict(t).items()}
    out["ne_dict"] = t != {"A": "1"}
    out["eq_table"] = t == t.copy()
    out["eq_non_mapping"] = t == 42
    out["popitem"] = t.popitem()
    out["popitem_len"] = len(t)
    two = apache.table([("k", "1")])
    two.add("k", "2")
    two.add("z", "9")
    two.add("k", "3")
    out["popitem_duplicate"] = [two.popitem(), two.popitem(), two["k"]]
    out["repr"] = repr(apache.table([("a", "1")]))
    out["repr_dup"] = repr(two)
    out["int_key"] = apitest.attempt(t.__setitem__, 1, "x")
    out["int_value"] = apitest.attempt(t.__setitem__, "x", 1)
    out["nul_value"] = apitest.attempt(t.__setitem__, "x", "a\0b")
    out["nul_key"] = apitest.attempt(t.__setitem__, "a\0b", "x")
    out["hash"] = apitest.attempt(hash, t)
    t[b"Bytes-Key"] = b"bytes value"
    out["bytes"] = t["bytes-key"]
    t["Odd"] = "caf\xe9 \udcff"
    out["surrogates"] = t["odd"] == "caf\xe9 \udcff"
    t.clear()
    out["cleared"] = [len(t), t.items()]
    out["popitem_empty"] = apitest.attempt(t.popitem)
    return out


def t_headers_out(req):
    req.headers_out["X-Api-One"] = "one"
    req.headers_out.add("Set-Cookie", "a=1")
    req.headers_out.add("Set-Cookie", "b=2")
    req.err_headers_out["X-Api-Err"] = "always"
    req.headers_out["X-Removed"] = "no"
    del req.headers_out["x-removed"]
    req.headers_out["X-Raw"] = "caf\udce9"           # byte 0xe9 as sent
    return {"seen": req.headers_out["set-cookie"]}


def t_error_headers(req):
    req.headers_out["X-Api-Normal"] = "dropped on errors"
    req.err_headers_out["X-Api-Err"] = "kept on errors"
    return apache.HTTP_NOT_FOUND


def t_headers_in(req):
    headers = req.headers_in
    headers["X-Added-By-Handler"] = "yes"
    return {
        "all": dict(headers),
        "lower": headers["x-api-test"],
        "upper": headers["X-API-TEST"],
        "live": req.headers_in.get("x-added-by-handler"),
        "same_view": req.headers_in == headers,
    }


def t_assign(req):
    req.headers_out["X-Gone"] = "1"
    req.headers_out = {"X-Assigned": "yes"}
    req.notes = [("n", "1")]
    return {"notes": dict(req.notes), "out": dict(req.headers_out),
            "delete": apitest.attempt(delattr, req, "headers_out")}


def t_notes(req):
    return {"notes": req.notes.get("from-fixup"),
            "connection_notes": type(req.connection.notes).__name__}


def t_keep(req):
    kept["headers_in"] = req.headers_in
    return {"pid": __import__("os").getpid()}


def t_stale(req):
    table = kept.get("headers_in")
    if table is None:
        return {"stale": None}
    return {"stale": apitest.attempt(table.get, "host"),
            "pid": __import__("os").getpid()}


def t_compat35(req):
    """What mod_python 3.5's own table test expects."""
    class KeysOnly:                     # keys() and [], no items()
        def keys(self):
            return ["four"]

        def __getitem__(self, key):
            return 4

    t = apache.table({1: 1})
    t.update({2: 2.5}, three=3)
    t.update(KeysOnly())
    class MyTable(apache.table):
        def __str__(self):
            return "str() from MyTable"

    mine = MyTable({"a": "b"})
    mine.add("a", "c")
    return {"items": sorted(t.items()),
            "subclass": [str(mine), mine["a"], isinstance(mine, apache.table),
                         repr(mine)],
            "update_none": apitest.attempt(t.update, None),
            "update_int": apitest.attempt(t.update, 5),
            "empty_repr": repr(apache.table()),
            "conn_notes": repr(req.connection.notes)}
