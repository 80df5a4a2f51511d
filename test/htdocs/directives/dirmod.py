"""The last URL segment picks what to report, as JSON."""

import json
import sys

from mod_python import apache


def options(req):
    return dict(req.get_options())


def option_lookup(req):
    options = req.get_options()
    return {"shared": options["shared"], "SHARED": options["SHARED"],
            "missing": options.get("no_such_option")}


def config(req):
    return dict(req.get_config())


def import_extra(req):
    import extra_module
    return extra_module.VALUE


def optimize(req):
    return sys.flags.optimize


def syspath(req):
    return sys.path


def drop_extra(req):
    """Remove what PythonPath added: the directive must not put it back."""
    sys.path[:] = [entry for entry in sys.path
                   if not entry.startswith("/mp-test-")]
    return sys.path


def hello(req):
    return "hello"


ACTIONS = {"options": options, "option_lookup": option_lookup,
           "config": config, "import_extra": import_extra,
           "optimize": optimize, "hello": hello, "syspath": syspath,
           "drop_extra": drop_extra}


def handler(req):
    action = req.uri.rsplit("/", 1)[-1]
    req.content_type = "application/json"
    req.write(json.dumps(ACTIONS[action](req)))
    return apache.OK
