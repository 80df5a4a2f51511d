"""One handler; the last URL segment picks what it does."""

import json

from mod_python import apache

# Constants of manual section 4.2 (seed 004) plus the handler results.
CONSTANT_NAMES = [
    "OK", "DECLINED", "DONE",
    "HTTP_CONTINUE", "HTTP_SWITCHING_PROTOCOLS", "HTTP_PROCESSING",
    "HTTP_OK", "HTTP_CREATED", "HTTP_ACCEPTED", "HTTP_NON_AUTHORITATIVE",
    "HTTP_NO_CONTENT", "HTTP_RESET_CONTENT", "HTTP_PARTIAL_CONTENT",
    "HTTP_MULTI_STATUS", "HTTP_MULTIPLE_CHOICES", "HTTP_MOVED_PERMANENTLY",
    "HTTP_MOVED_TEMPORARILY", "HTTP_SEE_OTHER", "HTTP_NOT_MODIFIED",
    "HTTP_USE_PROXY", "HTTP_TEMPORARY_REDIRECT", "HTTP_BAD_REQUEST",
    "HTTP_UNAUTHORIZED", "HTTP_PAYMENT_REQUIRED", "HTTP_FORBIDDEN",
    "HTTP_NOT_FOUND", "HTTP_METHOD_NOT_ALLOWED", "HTTP_NOT_ACCEPTABLE",
    "HTTP_PROXY_AUTHENTICATION_REQUIRED", "HTTP_REQUEST_TIME_OUT",
    "HTTP_CONFLICT", "HTTP_GONE", "HTTP_LENGTH_REQUIRED",
    "HTTP_PRECONDITION_FAILED", "HTTP_REQUEST_ENTITY_TOO_LARGE",
    "HTTP_REQUEST_URI_TOO_LARGE", "HTTP_UNSUPPORTED_MEDIA_TYPE",
    "HTTP_RANGE_NOT_SATISFIABLE", "HTTP_EXPECTATION_FAILED",
    "HTTP_UNPROCESSABLE_ENTITY", "HTTP_LOCKED", "HTTP_FAILED_DEPENDENCY",
    "HTTP_INTERNAL_SERVER_ERROR", "HTTP_NOT_IMPLEMENTED", "HTTP_BAD_GATEWAY",
    "HTTP_SERVICE_UNAVAILABLE", "HTTP_GATEWAY_TIME_OUT",
    "HTTP_VERSION_NOT_SUPPORTED", "HTTP_VARIANT_ALSO_VARIES",
    "HTTP_INSUFFICIENT_STORAGE", "HTTP_NOT_EXTENDED",
]


def constants(req):
    req.content_type = "application/json"
    req.write(json.dumps({name: getattr(apache, name, None)
                          for name in CONSTANT_NAMES}))
    return apache.OK


def write_ok(req):
    req.content_type = "text/plain"
    req.write("ok")
    return apache.OK


def declined(req):
    return apache.DECLINED


def done(req):
    req.content_type = "text/plain"
    req.write("done")
    return apache.DONE


def status(req):
    return int(req.args.split("=", 1)[1])


def set_status(req):
    req.status = apache.HTTP_CREATED
    req.content_type = "text/plain"
    req.write("created")
    return apache.OK


def raise_forbidden(req):
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


def raise_ok_pair(req):
    raise apache.SERVER_RETURN(apache.OK, apache.HTTP_ACCEPTED)


def raise_ok_tuple(req):
    raise apache.SERVER_RETURN((apache.OK, apache.HTTP_ACCEPTED))


def raise_done_pair(req):
    raise apache.SERVER_RETURN(apache.DONE, apache.HTTP_ACCEPTED)


def raise_pair_after_unflushed_write(req):
    req.content_type = "text/plain"
    req.write("accepted", 0)        # flush=0: the headers are not sent yet
    raise apache.SERVER_RETURN(apache.OK, apache.HTTP_ACCEPTED)


def redirect(req):
    req.headers_out["Location"] = "/elsewhere"
    return int(req.args.split("=", 1)[1])


ACTIONS = {name: obj for name, obj in globals().items()
           if callable(obj) and not name.startswith("_")
           and getattr(obj, "__module__", None) == __name__}


def handler(req):
    action = req.uri.rsplit("/", 1)[-1]
    return ACTIONS[action](req)
