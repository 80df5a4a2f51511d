"""Handlers for test_util.py: one per URL, named by the last path element."""

import hashlib
import io
import json
import os
import threading
import time
import urllib.parse

from mod_python import apache, util


def handler(req):
    name = os.path.basename(req.filename)
    return globals()["do_" + name](req)


def send_json(req, value):
    req.content_type = "application/json"
    req.write(json.dumps(value))
    return apache.OK


def describe(field):
    """A JSON-able description of a StringField or Field."""
    if isinstance(field, util.StringField):
        return {"kind": "StringField", "name": field.name,
                "value": field.value, "is_str": isinstance(field, str),
                "file": field.file.read(), "type": field.type,
                "type_options": dict(field.type_options),
                "disposition": field.disposition,
                "disposition_options": dict(field.disposition_options),
                "filename": field.filename}
    data = field.file.read()
    field.file.seek(0)
    return {"kind": "Field", "name": field.name, "filename": field.filename,
            "value_is_bytes": isinstance(field.value, bytes),
            "content": data.decode("latin-1"), "type": field.type,
            "type_options": field.type_options,
            "disposition": field.disposition,
            "disposition_options": field.disposition_options,
            "headers": field.headers}


def form_options(req):
    return {"keep_blank_values": int(req.headers_in.get("X-Keep-Blank", 0)),
            "strict_parsing": int(req.headers_in.get("X-Strict", 0))}


def do_fields(req):
    """The parsed form, field by field."""
    form = util.FieldStorage(req, **form_options(req))
    return send_json(req, [describe(field) for field in form.list])


def do_mapping(req):
    """The mapping interface of FieldStorage."""
    form = util.FieldStorage(req, keep_blank_values=1)
    first = form.getfirst("a")
    result = {
        "keys": form.keys(),
        "len": len(form),
        "a": [str(v) for v in form["a"]] if isinstance(form["a"], list)
        else str(form["a"]),
        "a_is_list": isinstance(form["a"], list),
        "b": form["b"], "b_type": type(form["b"]).__name__,
        "b_value": form["b"].value,
        "getfirst_a": first, "getfirst_type": type(first).__name__,
        "getfirst_missing": form.getfirst("zz", "dflt"),
        "getlist_a": form.getlist("a"), "getlist_missing": form.getlist("zz"),
        "get_missing": form.get("zz", "dflt"), "get_b": form.get("b"),
        "has_key_b": form.has_key("b"), "has_key_zz": form.has_key("zz"),
        "contains_a": "a" in form, "contains_zz": "zz" in form,
        "iter": list(form), "list_len": len(form.list),
        "list_names": [field.name for field in form.list],
    }
    try:
        form["zz"]
    except KeyError:
        result["missing_raises"] = "KeyError"
    form["a"] = "replaced"
    form.add_field("c", "3")
    form.add_field("c", "4")
    result["after_set_a"] = form["a"]
    result["after_add_c"] = form.getlist("c")
    del form["b"]
    result["after_del_keys"] = form.keys()
    return send_json(req, result)


def do_strict(req):
    """FormError can be caught: it is a ValueError with a reason."""
    try:
        util.FieldStorage(req, strict_parsing=1)
    except util.FormError as error:
        return send_json(req, {"caught": type(error).__name__,
                               "is_value_error": isinstance(error,
                                                            ValueError),
                               "reason": str(error)})
    return send_json(req, {"caught": None})


def do_uncaught(req):
    """A FormError the handler does not catch answers 400."""
    util.FieldStorage(req, **form_options(req))
    req.write("parsed")
    return apache.OK


do_limited = do_uncaught      # under LimitRequestBody 100


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """Polls this process's VmRSS, remembering the largest value."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = rss_kib()
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib())
            time.sleep(0.002)

    def stop(self):
        self.running = False
        self.join()
        self.peak = max(self.peak, rss_kib())
        return self.peak


def do_upload(req):
    """Parse an upload, report sizes, digests and memory growth."""
    before = rss_kib()
    sampler = RssSampler()
    sampler.start()
    started = time.monotonic()
    try:
        form = util.FieldStorage(req)
    finally:
        peak = sampler.stop()
    elapsed = time.monotonic() - started
    files = {}
    for field in form.list:
        if isinstance(field, util.Field):
            digest = hashlib.sha256()
            size = 0
            while True:
                chunk = field.file.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                digest.update(chunk)
            files[field.name] = {"size": size, "sha256": digest.hexdigest(),
                                 "filename": field.filename,
                                 "file_type": type(field.file).__name__}
        else:
            files[field.name] = {"value": field.value}
    return send_json(req, {"files": files, "rss_before_kib": before,
                           "rss_peak_kib": peak, "parse_seconds": elapsed,
                           "pid": os.getpid()})


def outcome(function, *args, **kwargs):
    """The result of a call, or its exception as (type name, message)."""
    try:
        return ["ok", function(*args, **kwargs)]
    except Exception as error:
        return ["raised", type(error).__name__, str(error)]


def do_parse_qs(req):
    """Compare util.parse_qs(l) with urllib.parse on the cases posted."""
    cases = json.loads(req.read())
    mismatches = []
    for case in cases:
        qs = case["qs"]
        if case.get("bytes"):
            qs = qs.encode("utf-8", "surrogateescape")
        kwargs = case.get("kwargs", {})
        for name in ("parse_qsl", "parse_qs"):
            expected = outcome(getattr(urllib.parse, name), qs, **kwargs)
            actual = outcome(getattr(util, name), qs, **kwargs)
            if expected != actual:
                mismatches.append({"function": name, "case": repr(case),
                                   "expected": repr(expected),
                                   "actual": repr(actual)})
    return send_json(req, {"checked": len(cases), "mismatches": mismatches})


def do_redirect(req):
    location = req.headers_in["X-Location"]
    permanent = int(req.headers_in.get("X-Permanent", 0))
    text = req.headers_in.get("X-Text")
    if req.headers_in.get("X-Write-First"):
        req.content_type = "text/plain"
        req.write("already sent ")
        try:
            util.redirect(req, location)
        except IOError as error:
            req.write("IOError: %s" % error)
            return apache.OK
    util.redirect(req, location, permanent, text)
    req.write("not reached")
    return apache.OK


def do_parameters(req):
    """Compare the code-object reading of util._function_parameters with
    inspect.signature (util._signature_parameters) on the posted defs."""
    mismatches = []
    sources = json.loads(req.read())
    for source in sources:
        namespace = {}
        exec(source, namespace)
        for bound in (False, True):
            util._function_parameters.cache_clear()
            fast = util._function_parameters(namespace["f"], bound)
            full = util._signature_parameters(namespace["f"], bound)
            if fast != full:
                mismatches.append([source, bound, repr(fast), repr(full)])
    return send_json(req, {"checked": len(sources),
                           "mismatches": mismatches})


# ------------------------------------------------- form size limits

def do_count(req):
    """How many fields the form has (413 beyond the limit)."""
    form = util.FieldStorage(req, keep_blank_values=1)
    return send_json(req, {"fields": len(form.list),
                           "names": len(form.keys())})


def do_callbacks_max5(req):
    """Which parts reached file_callback before the limit (5) stopped the
    parse."""
    called = []

    def file_callback(filename):
        called.append(filename)
        return io.BytesIO()
    try:
        util.FieldStorage(req, file_callback=file_callback)
    except util.FormError as error:
        return send_json(req, {"error": error.status, "called": called})
    return send_json(req, {"error": None, "called": called})


# each under its own PythonOption mod_python.util.max_fields (CONFIG)
do_max5 = do_max2000 = do_unlimited = do_count
do_fields_unlimited = do_fields
do_badmax_word = do_badmax_negative = do_badmax_fraction = do_count


class FakeRequest:
    """What FieldStorage uses of a request, without get_options(): as
    code that parses a form outside a handler would pass."""

    def __init__(self, query):
        self.method = "GET"
        self.args = query
        self.uri = "/fake"
        self.headers_in = {}
        self.notes = {}

    def log_error(self, message, level=0):
        pass


def do_outside(req):
    """FieldStorage of a request-like object (no options): the default
    limit applies."""
    try:
        form = util.FieldStorage(FakeRequest(req.args or ""))
    except util.FormError as error:
        return send_json(req, {"status": error.status,
                               "reason": str(error)})
    return send_json(req, {"fields": len(form.list)})


def peak_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    """Make VmHWM the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def do_memory(req):
    """Peak RSS growth of this process while FieldStorage parses the body
    and the publisher's apply_fs_data passes it to a function that takes
    no field (the case of the issue)."""
    import ctypes
    import gc
    gc.collect()
    # Give freed heap memory back to the system first: memory an earlier
    # request freed but kept would hide growth (RSS would not move).
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    if reset_peak_rss():
        sampler = None
        before = peak_rss_kib()
    else:
        sampler = RssSampler()
        sampler.start()
        before = sampler.peak
    status = 200
    try:
        form = util.FieldStorage(req, keep_blank_values=1)
        util.apply_fs_data(lambda req: None, form, req=req)
    except apache.SERVER_RETURN as error:
        status = error.args[0]
    form = None
    peak = sampler.stop() if sampler else peak_rss_kib()
    return send_json(req, {"status": status, "growth_kib": peak - before,
                           "measured_by": "sampler" if sampler
                           else "VmHWM"})


do_memory_unlimited = do_memory


def do_add_after_lookup(req):
    """add_field() once lookups built the name index: the new fields are
    found, before and after form.list was made."""
    form = util.FieldStorage(req, keep_blank_values=1)
    result = {}
    for stage in ("fields", "list"):
        if stage == "list":
            form.list       # from here on the FieldList is the storage
        form.getfirst("a")                       # builds the index
        form.add_field("a", "added-" + stage)
        form.add_field("new-" + stage, "n")
        result[stage] = {"a": form.getlist("a"),
                         "new": form.getfirst("new-" + stage),
                         "has_new": form.has_key("new-" + stage),
                         "keys": form.keys(), "len": len(form),
                         "item": str(form["new-" + stage])}
    return send_json(req, result)



class _Kept(io.BytesIO):
    """A file a callback hands to FieldStorage, marked so that the test
    can tell it from the default one."""


def do_compat35(req):
    """FieldStorage, Field and StringField as mod_python 3.5 had them."""
    made = []

    def file_callback(filename):
        made.append(["file", filename])
        return _Kept()

    def field_callback():
        made.append(["field"])
        return _Kept()

    form = util.FieldStorage(req, file_callback=file_callback,
                             field_callback=field_callback)
    upload, text = form["up"], form["t"]
    made_by_hand = util.Field("h", io.BytesIO(b"xy"), "text/plain", {},
                              "form-data", {"name": "h", "filename": "h.txt"})
    result = {
        "callbacks": made,
        "upload_file_is_kept": isinstance(upload.file, _Kept),
        "text_file_is_kept": isinstance(text.file, _Kept),
        "text_file_content": text.file.read().decode(),
        "list_repr": repr(form.list),
        "items": [[name, str(field)] for name, field in form.items()
                  if isinstance(field, str)],
        "item_names": [name for name, _ in form.items()],
        "str_t": str(text), "repr_t": repr(text),
        "ctype": [text.ctype, upload.ctype],
        "disp_options": dict(upload.disp_options),
        "by_hand": [made_by_hand.filename, made_by_hand.type,
                    made_by_hand.value.decode(), repr(made_by_hand)],
        "has_key": [form.has_key("t"), form.has_key("nope")],
    }
    big = util.Field("big", io.BytesIO(b"z" * (util.REPR_LIMIT + 1)),
                     filename="big.bin")
    result["big_repr"] = repr(big)
    form.add_field("t", "again")
    result["after_add"] = [str(v) for v in form.getlist("t")]
    form.clear()
    result["after_clear"] = [len(form), form.keys(), form.items()]
    return send_json(req, result)


def do_compat35_list(req):
    req.content_type = "text/plain"
    req.write(repr(util.FieldStorage(req).list))
    return apache.OK


def do_many_files(req):
    """Parse a form of many uploads; report the file descriptors the
    parse left open (each upload used to hold one until the request
    ended) and each file's size and digest."""
    before = len(os.listdir("/proc/self/fd"))
    form = util.FieldStorage(req)
    held = len(os.listdir("/proc/self/fd")) - before
    files = {}
    for field in form.list:
        content = field.file.read()
        files[field.name] = [len(content),
                             hashlib.sha256(content).hexdigest()]
    return send_json(req, {"fds_held": held, "files": files})
