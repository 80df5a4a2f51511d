"""req.add_handler() and req.register_cleanup()."""

import os

from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "var")


def trace_file(req):
    return os.path.join(VAR, req.headers_in["X-Trace-Id"])


def append_line(path, line):
    with open(path, "a") as trace:
        trace.write(line + "\n")


def record(req, name):
    if not hasattr(req, "trace"):
        req.trace = []
    req.trace.append(name)


def fixup_adds_content(req):
    req.add_handler("PythonHandler", "dynmod::added_content")
    return apache.OK


def added_content(req):
    req.content_type = "text/plain"
    req.write("added content handler ran in %s" % req.phase)
    return apache.OK


def authen_adds_content(req):
    password = req.get_basic_auth_pw()
    if (req.user, password) == ("admin", "secret"):
        req.add_handler("PythonHandler", "dynmod::admin_menu")
    elif (req.user, password) == ("spam", "eggs"):
        req.add_handler("PythonHandler", "dynmod::basic_menu")
    else:
        return apache.HTTP_UNAUTHORIZED
    return apache.OK


def admin_menu(req):
    req.content_type = "text/plain"
    req.write("admin menu for %s" % req.user)
    return apache.OK


def basic_menu(req):
    req.content_type = "text/plain"
    req.write("basic menu for %s" % req.user)
    return apache.OK


def fixup_registers_fixup(req):
    record(req, "fixup_registers_fixup")
    req.add_handler("PythonFixupHandler", "dynmod::registered_fixup")
    return apache.OK


def registered_fixup(req):
    record(req, "registered_fixup in %s" % req.phase)
    return apache.OK


def show_trace(req):
    req.content_type = "text/plain"
    req.write(",".join(req.trace))
    return apache.OK


def write_cleanup_data(path):
    append_line(path, "cleanup data")


def registers_cleanup(req):
    req.register_cleanup(write_cleanup_data, trace_file(req))
    req.content_type = "text/plain"
    req.write("cleanup registered")
    return apache.OK


def registers_cleanup_then_directive(req):
    req.register_cleanup(lambda path: append_line(path, "register_cleanup"),
                         trace_file(req))
    req.content_type = "text/plain"
    req.write("cleanup registered")
    return apache.OK


def cleanup_directive(req):
    append_line(trace_file(req), req.phase)
    return apache.OK
