/*
 * requestobject.c - mp_request, the Python view of a request_rec (req).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * One object per (request, interpreter), created on first use and kept
 * for every phase of the request, so attributes a handler sets are seen by
 * the later phases.  When the request pool is destroyed the object is
 * invalidated: its attributes are cleared and any further use raises.
 *
 * Members are str (UTF-8, surrogateescape), bodies are bytes; blocking
 * calls into Apache (network I/O, internal redirects) release the GIL.
 */
#include "mod_python.h"
#include "structmember.h"

#if AP_MODULE_MAGIC_AT_LEAST(20120211, 102)
#include "http_ssl.h"
#define MP_HAVE_AP_SSL 1
#else
#include "mod_ssl.h"
#endif

APLOG_USE_MODULE(python);

#define READ_CHUNK 8192

/* The request_rec of self, or NULL with RuntimeError set. */
static request_rec *req_rec(mp_request *self)
{
    if (self->r == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this request object belongs to a request that is over");
    }
    return self->r;
}

int mp_owner_alive(PyObject *owner)
{
    if (mp_type_check(owner, MP_TYPE_REQUEST)) {
        return ((mp_request *)owner)->r != NULL;
    }
    if (mp_type_check(owner, MP_TYPE_CONN)) {
        return mp_owner_alive_conn(owner);
    }
    return 1;
}

PyObject *mp_request_new(request_rec *r, mp_request_state *state)
{
    mp_state *mstate = mp_state_get();
    mp_request *self = mstate == NULL ? NULL
        : PyObject_GC_New(mp_request, mstate->request_type);

    if (self == NULL) {
        return NULL;
    }
    self->r = r;
    self->dict = NULL;
    self->phase = NULL;
    self->interpreter = NULL;
    self->connection = NULL;
    self->cleanups = NULL;
    self->content_type_set = NULL;
    self->state = state;
    self->interp = NULL;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int request_clear(mp_request *self)
{
    Py_CLEAR(self->dict);
    Py_CLEAR(self->connection);
    Py_CLEAR(self->cleanups);
    Py_CLEAR(self->phase);
    return 0;
}

void mp_request_invalidate(mp_request *self)
{
    self->r = NULL;
    self->state = NULL;
    request_clear(self);
}

static int request_traverse(mp_request *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));    /* a heap type */
    Py_VISIT(self->dict);
    Py_VISIT(self->connection);
    Py_VISIT(self->cleanups);
    return 0;
}

static void request_dealloc(mp_request *self)
{
    PyTypeObject *type = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    request_clear(self);
    Py_CLEAR(self->interpreter);
    Py_CLEAR(self->content_type_set);
    PyObject_GC_Del(self);
    Py_DECREF(type);            /* a heap type: each instance holds it */
}

/* ------------------------------------------------------------- members */

typedef enum { M_STR, M_INT, M_OFF, M_TIME, M_I64 } member_kind;

typedef struct {
    member_kind kind;
    size_t offset;
    const char *name;
    int nullable;        /* a str member that may be set to None (NULL) */
} member_def;

#define FIELD(r, m) ((char *)(r) + (m)->offset)

static PyObject *member_get(mp_request *self, void *closure)
{
    const member_def *m = closure;
    request_rec *r = req_rec(self);

    if (r == NULL) {
        return NULL;
    }
    switch (m->kind) {
    case M_STR:
        return mp_str(*(const char **)FIELD(r, m));
    case M_INT:
        return PyLong_FromLong(*(int *)FIELD(r, m));
    case M_OFF:
        return PyLong_FromLongLong((long long)*(apr_off_t *)FIELD(r, m));
    case M_I64:
        return PyLong_FromLongLong((long long)*(apr_int64_t *)FIELD(r, m));
    case M_TIME:
        return PyFloat_FromDouble((double)*(apr_time_t *)FIELD(r, m)
                                  / APR_USEC_PER_SEC);
    }
    Py_RETURN_NONE;
}

static int member_set(mp_request *self, PyObject *value, void *closure)
{
    const member_def *m = closure;
    request_rec *r = req_rec(self);

    if (r == NULL) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "request members cannot be "
                        "deleted");
        return -1;
    }
    if (m->kind == M_STR) {
        const char *s = NULL;

        if (value == Py_None && !m->nullable) {
            PyErr_Format(PyExc_TypeError, "req.%s must be str, not None",
                         m->name);
            return -1;
        }
        if (value != Py_None
            && (s = mp_pstr_from_object(r->pool, value, m->name)) == NULL) {
            return -1;
        }
        *(const char **)FIELD(r, m) = s;
        return 0;
    }
    if (m->kind == M_INT) {
        long v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        *(int *)FIELD(r, m) = (int)v;
        return 0;
    }
    PyErr_SetString(PyExc_AttributeError, "this member is read-only");
    return -1;
}

#define MEMBER(kind, field) \
    static const member_def member_##field = \
        {kind, APR_OFFSETOF(request_rec, field), #field, 0}
/* a str member that may be set to None */
#define MEMBER_NULLABLE(field) \
    static const member_def member_##field = \
        {M_STR, APR_OFFSETOF(request_rec, field), #field, 1}
MEMBER(M_STR, the_request);
MEMBER(M_STR, protocol);
MEMBER(M_STR, hostname);
MEMBER_NULLABLE(status_line);
MEMBER(M_STR, method);
MEMBER(M_STR, range);
MEMBER_NULLABLE(content_encoding);
MEMBER(M_STR, vlist_validator);
MEMBER_NULLABLE(user);
MEMBER_NULLABLE(ap_auth_type);
MEMBER(M_STR, unparsed_uri);
MEMBER(M_STR, uri);
MEMBER(M_STR, filename);
MEMBER(M_STR, canonical_filename);
MEMBER(M_STR, path_info);
MEMBER_NULLABLE(args);
MEMBER_NULLABLE(handler);
MEMBER(M_STR, useragent_ip);
MEMBER(M_STR, log_id);
MEMBER(M_INT, assbackwards);
MEMBER(M_INT, proxyreq);
MEMBER(M_INT, header_only);
MEMBER(M_INT, proto_num);
MEMBER(M_INT, status);
MEMBER(M_INT, method_number);
MEMBER(M_INT, chunked);
MEMBER(M_INT, read_body);
MEMBER(M_INT, read_chunked);
MEMBER(M_INT, expecting_100);
MEMBER(M_INT, used_path_info);
MEMBER(M_INT, eos_sent);
MEMBER(M_INT, no_cache);
MEMBER(M_INT, no_local_copy);
MEMBER(M_OFF, sent_bodyct);
MEMBER(M_OFF, bytes_sent);
MEMBER(M_OFF, clength);
MEMBER(M_OFF, remaining);
MEMBER(M_OFF, read_length);
MEMBER(M_TIME, request_time);
MEMBER(M_TIME, mtime);
MEMBER(M_I64, allowed);

#define RO(field, doc) \
    {#field, (getter)member_get, NULL, doc, (void *)&member_##field}
#define RW(field, doc) \
    {#field, (getter)member_get, (setter)member_set, doc, (void *)&member_##field}

/* Tables: live views of the request's apr tables. */
typedef enum { T_HEADERS_IN, T_HEADERS_OUT, T_ERR_HEADERS_OUT,
               T_SUBPROCESS_ENV, T_NOTES } table_id;

/* The apr_table_t of request r that a table member (closure) names. */
static apr_table_t *request_table(request_rec *r, void *closure)
{
    switch ((table_id)(apr_uintptr_t)closure) {
    case T_HEADERS_IN:      return r->headers_in;
    case T_HEADERS_OUT:     return r->headers_out;
    case T_ERR_HEADERS_OUT: return r->err_headers_out;
    case T_SUBPROCESS_ENV:  return r->subprocess_env;
    case T_NOTES:           return r->notes;
    }
    return NULL;
}

static PyObject *table_get(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    if (r == NULL) {
        return NULL;
    }
    return mp_table_wrap(request_table(r, closure), r->pool,
                         (PyObject *)self);
}

static int add_entry(void *table, const char *key, const char *value)
{
    apr_table_add(table, key, value);
    return 1;
}

/* req.headers_out = value: the table's content becomes value's.  A table
 * (duplicates kept) is copied in C; assigning a table to itself, or one
 * that shares its apr_table_t, changes nothing (a clear() first would
 * empty the source).  Any other mapping or sequence of pairs goes through
 * clear() and update(). */
static int table_set(mp_request *self, PyObject *value, void *closure)
{
    request_rec *r = req_rec(self);
    apr_table_t *target, *source;
    PyObject *table, *result;

    if (r == NULL) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "request tables cannot be deleted");
        return -1;
    }
    target = request_table(r, closure);
    if (mp_type_check(value, MP_TYPE_TABLE)) {
        if ((source = mp_table_get(value)) == NULL) {
            return -1;
        }
        if (source != target) {
            apr_table_clear(target);
            apr_table_do(add_entry, target, source, NULL);
        }
        return 0;
    }
    table = table_get(self, closure);
    if (table == NULL) {
        return -1;
    }
    result = PyObject_CallMethod(table, "clear", NULL);
    if (result != NULL) {
        Py_DECREF(result);
        result = PyObject_CallMethod(table, "update", "O", value);
    }
    Py_DECREF(table);
    if (result == NULL) {
        return -1;
    }
    Py_DECREF(result);
    return 0;
}

static PyObject *get_content_type(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    return r ? mp_str(r->content_type) : NULL;
}

static int set_content_type(mp_request *self, PyObject *value, void *closure)
{
    request_rec *r = req_rec(self);
    const char *ct;

    (void)closure;
    if (r == NULL) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "content_type cannot be deleted");
        return -1;
    }
    ct = mp_pstr_from_object(r->pool, value, "content_type");
    if (ct == NULL) {
        return -1;
    }
    ap_set_content_type(r, ct);
    Py_XSETREF(self->content_type_set, Py_NewRef(Py_True));
    return 0;
}

static PyObject *get_content_type_set(mp_request *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->content_type_set != NULL);
}

/* req._autoreload: PythonAutoReload of this request's directory, for the
 * publisher and cgihandler (req.get_config() would copy the whole table
 * on every request to read one flag). */
static PyObject *get_autoreload(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    mp_dir_config *conf;

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    conf = ap_get_module_config(r->per_dir_config, &python_module);
    return PyBool_FromLong(conf->autoreload != 0);
}

static PyObject *get_phase(mp_request *self, void *closure)
{
    (void)closure;
    return Py_NewRef(self->phase ? self->phase : Py_None);
}

static PyObject *get_interpreter(mp_request *self, void *closure)
{
    (void)closure;
    return Py_NewRef(self->interpreter ? self->interpreter : Py_None);
}

static PyObject *get_hlist(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    return mp_hlist_new(r, self->state);
}

static PyObject *get_connection(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    if (self->connection == NULL) {
        self->connection = mp_conn_new(r->connection, (PyObject *)self);
    }
    return Py_XNewRef(self->connection);
}

static PyObject *get_server(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    return r ? mp_server_new(r->server) : NULL;
}

/* next / prev / main: the request object of that request, same interp. */
static PyObject *related_request(mp_request *self, request_rec *other)
{
    if (other == NULL) {
        Py_RETURN_NONE;
    }
    /* the object of that request in our interpreter; a new one (if Python
     * never ran there) dies with that request, like every request object */
    return Py_XNewRef(mp_request_object(mp_request_state_get(other),
                                        self->interp));
}

static PyObject *get_next(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    (void)closure;
    return r ? related_request(self, r->next) : NULL;
}

static PyObject *get_prev(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    (void)closure;
    return r ? related_request(self, r->prev) : NULL;
}

static PyObject *get_main(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    (void)closure;
    return r ? related_request(self, r->main) : NULL;
}

static PyObject *get_allowed_methods(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    return mp_str_tuple(r->allowed_methods
                              ? r->allowed_methods->method_list : NULL);
}

static PyObject *get_parsed_uri(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    apr_uri_t *u;

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    u = &r->parsed_uri;
    return Py_BuildValue("(NNNNNNNNN)", mp_str(u->scheme), mp_str(u->hostinfo),
                         mp_str(u->user), mp_str(u->password),
                         mp_str(u->hostname),
                         u->port_str ? PyLong_FromLong(u->port)
                                     : Py_NewRef(Py_None),
                         mp_str(u->path), mp_str(u->query),
                         mp_str(u->fragment));
}

static PyObject *get_finfo(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    return r ? mp_finfo_new(&r->finfo) : NULL;
}

static int set_finfo(mp_request *self, PyObject *value, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    if (r == NULL) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "finfo cannot be deleted");
        return -1;
    }
    return mp_finfo_fill(value, &r->finfo, r->pool);
}

static PyObject *get_allowed_xmethods(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    return r ? mp_str_tuple(r->allowed_xmethods) : NULL;
}

static PyObject *get_content_languages(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    return r ? mp_str_tuple(r->content_languages) : NULL;
}

static int set_content_languages(mp_request *self, PyObject *value,
                                 void *closure)
{
    request_rec *r = req_rec(self);
    apr_array_header_t *list;
    PyObject *seq;
    Py_ssize_t i, n;

    (void)closure;
    if (r == NULL) {
        return -1;
    }
    if (value == NULL || value == Py_None) {
        r->content_languages = NULL;
        return 0;
    }
    if (PyUnicode_Check(value) || PyBytes_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "content_languages takes a sequence "
                        "of str, e.g. ('en', 'fr')");
        return -1;
    }
    seq = PySequence_Fast(value, "content_languages takes a sequence of str");
    if (seq == NULL) {
        return -1;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    list = apr_array_make(r->pool, n > 0 ? (int)n : 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        const char *lang = mp_pstr_from_object(
            r->pool, PySequence_Fast_GET_ITEM(seq, i), "content language");
        if (lang == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        APR_ARRAY_PUSH(list, const char *) = lang;
    }
    Py_DECREF(seq);
    r->content_languages = n > 0 ? list : NULL;
    return 0;
}

static PyObject *get_useragent_addr(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);

    (void)closure;
    if (r == NULL) {
        return NULL;
    }
    return mp_sockaddr_tuple(r->useragent_addr);
}

/* req.user.  In the authentication phase, before the handler has called
 * get_basic_auth_pw(), this is the user name the client sent (the manual's
 * tutorial reads req.user first); elsewhere only what Apache has set. */
static PyObject *get_user(mp_request *self, void *closure)
{
    request_rec *r = req_rec(self);
    const char *user = NULL;

    if (r == NULL) {
        return NULL;
    }
    if (r->user == NULL && self->state != NULL
        && self->state->current_phase == MP_PHASE_AUTHEN
        && ap_get_basic_auth_components(r, &user, NULL) == APR_SUCCESS) {
        return mp_str(user);
    }
    return member_get(self, closure);
}

static PyGetSetDef request_getset[] = {
    RO(the_request, "the request line"),
    RO(protocol, "protocol, e.g. HTTP/1.1"),
    RO(hostname, "host from the URI or the Host header"),
    RW(status_line, "status line, e.g. '200 OK' (None: from status)"),
    RO(method, "GET, HEAD, POST ..."),
    RO(range, "the Range header"),
    RW(content_encoding, "Content-Encoding of the response"),
    RO(vlist_validator, "variant list validator"),
    {"user", (getter)get_user, (setter)member_set,
     "authenticated user name", (void *)&member_user},
    RW(ap_auth_type, "authentication type"),
    RO(unparsed_uri, "the URI as sent"),
    RW(uri, "path part of the URI"),
    RW(filename, "file name the URI maps to"),
    RW(canonical_filename, "the true file name"),
    RW(path_info, "what follows the file name in the URI"),
    RW(args, "query string"),
    RW(handler, "Apache handler name (SetHandler/AddHandler)"),
    RO(useragent_ip, "client IP address"),
    RO(log_id, "request log id"),
    RO(assbackwards, "true for HTTP/0.9"),
    RW(proxyreq, "apache.PROXYREQ_* value"),
    RO(header_only, "true for HEAD"),
    RO(proto_num, "protocol number: 1001 for HTTP/1.1"),
    RW(status, "HTTP status of the response"),
    RO(method_number, "method number (M_*)"),
    RO(chunked, "true when the response is chunked"),
    RO(read_body, "how the body is read"),
    RO(read_chunked, "true when the request body is chunked"),
    RO(expecting_100, "client waits for 100-continue"),
    RW(used_path_info, "path_info acceptance (apache.AP_REQ_*_PATH_INFO)"),
    RO(eos_sent, "end of stream sent"),
    RW(no_cache, "true: the response must not be cached"),
    RO(no_local_copy, "no local copy"),
    RO(sent_bodyct, "body byte count"),
    RO(bytes_sent, "bytes sent"),
    RO(clength, "content length"),
    RO(remaining, "bytes left to read"),
    RO(read_length, "bytes read"),
    RO(request_time, "time the request started (seconds)"),
    RO(mtime, "last modification time of the resource (seconds)"),
    RO(allowed, "bit vector of allowed methods"),
    {"headers_in", (getter)table_get, (setter)table_set, "request headers",
     (void *)T_HEADERS_IN},
    {"headers_out", (getter)table_get, (setter)table_set, "response headers",
     (void *)T_HEADERS_OUT},
    {"err_headers_out", (getter)table_get, (setter)table_set,
     "headers sent with errors too", (void *)T_ERR_HEADERS_OUT},
    {"subprocess_env", (getter)table_get, (setter)table_set,
     "CGI environment", (void *)T_SUBPROCESS_ENV},
    {"notes", (getter)table_get, (setter)table_set, "notes",
     (void *)T_NOTES},
    {"content_type", (getter)get_content_type, (setter)set_content_type,
     "Content-Type of the response", NULL},
    {"_content_type_set", (getter)get_content_type_set, NULL,
     "true once content_type was set from Python", NULL},
    {"_autoreload", (getter)get_autoreload, NULL,
     "PythonAutoReload of this request (not Off)", NULL},
    {"phase", (getter)get_phase, NULL, "the phase running now", NULL},
    {"interpreter", (getter)get_interpreter, NULL,
     "name of the interpreter", NULL},
    {"hlist", (getter)get_hlist, NULL,
     "the handlers of the running phase (handler, directory, next() ...)",
     NULL},
    {"connection", (getter)get_connection, NULL, "connection object", NULL},
    {"server", (getter)get_server, NULL, "server object", NULL},
    {"next", (getter)get_next, NULL, "request redirected to", NULL},
    {"prev", (getter)get_prev, NULL, "request redirected from", NULL},
    {"main", (getter)get_main, NULL, "main request of a subrequest", NULL},
    {"allowed_methods", (getter)get_allowed_methods, NULL,
     "allowed methods", NULL},
    {"parsed_uri", (getter)get_parsed_uri, NULL, "URI tuple (URI_*)", NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict,
     "the attributes handlers set on the request", NULL},
    {"finfo", (getter)get_finfo, (setter)set_finfo,
     "file information (mp_finfo, indexes apache.FINFO_*); assign "
     "apache.stat(req.filename) after changing req.filename", NULL},
    {"allowed_xmethods", (getter)get_allowed_xmethods, NULL,
     "allowed extension methods", NULL},
    {"content_languages", (getter)get_content_languages,
     (setter)set_content_languages, "Content-Language values (tuple)", NULL},
    {"useragent_addr", (getter)get_useragent_addr, NULL,
     "(ip, port) of the client (after mod_remoteip)", NULL},
    {NULL}
};

/* ------------------------------------------------------------- writing */

/* ap_rwrite() takes an int count: send big buffers in pieces. */
static int write_all(request_rec *r, const char *data, Py_ssize_t len)
{
    const Py_ssize_t piece = 1 << 30;
    int rc = 0;

    while (len > 0 && rc >= 0) {
        int n = (int)(len < piece ? len : piece);
        rc = ap_rwrite(data, n, r);
        data += n;
        len -= n;
    }
    return rc;
}

/* req.write(data, 0) keeps small data in the request state instead of
 * calling ap_rwrite at once: handing data to Apache must be done without
 * the GIL (the output filters may run Python, or block on the network),
 * and releasing and re-taking the GIL for a few bytes costs a handoff to
 * a waiting thread.  The data goes to Apache at the next bigger or flushed
 * write, or when the handler returns. */
#define MP_WRITE_BUFFER 8192

int mp_request_write_buffered(mp_request_state *state)
{
    int rc = 0;

    if (state->write_buffered > 0) {
        rc = ap_rwrite(state->write_buffer, (int)state->write_buffered,
                       state->r);
        state->write_buffered = 0;
        state->wrote_to_apache = 1;
    }
    return rc;
}

/* Only httpd's protocol and connection filters between the handler and
 * the client (no content filter, Python or other, that could still want
 * to see data after the end of the stream)?  OLD_WRITE, ap_rwrite()'s own
 * buffer, only prepends what it holds to what passes. */
static int only_protocol_filters(request_rec *r)
{
    ap_filter_t *f;

    for (f = r->output_filters; f != NULL; f = f->next) {
        if (f->frec->ftype < AP_FTYPE_PROTOCOL
            && f->frec != ap_old_write_func) {
            return 0;
        }
    }
    return 1;
}

/* The response of a handler that wrote its whole body with small
 * req.write(data, 0) calls goes out like a static file: with a
 * Content-Length, in one packet, and before Apache looks for the next
 * request on the connection (so a keep-alive client is served by the same
 * worker, without a trip through the event MPM's listener); so does the
 * end of a response it streamed. */
int mp_request_finish_response(mp_request_state *state)
{
    request_rec *r = state->r;
    ap_filter_t *f;
    int rc;

    /* A response the handler streamed (req.write() flushes by default:
     * the tutorial's way) ends with its last chunk, which httpd would send
     * only after the access log, right before it looks for the next
     * request of a keep-alive connection, which the client cannot have
     * sent yet: under the event MPM every such request then went to the
     * listener (2 reads and 2 epoll_ctl per request instead of 1 and 0.1,
     * Doc/benchmarks.rst).  End the stream and flush it now, as the
     * unstreamed answer below is. */
    if (state->write_buffered == 0 && r->main == NULL && r->chunked
        && !r->eos_sent && only_protocol_filters(r)) {
        ap_finalize_request_protocol(r);
        return ap_rflush(r);
    }
    if (state->write_buffered == 0 || r->main != NULL) {
        return mp_request_write_buffered(state);
    }
    if (!state->wrote_to_apache
        && apr_table_get(r->headers_out, "Content-Length") == NULL) {
        for (f = r->output_filters; f != NULL; f = f->next) {
            if (f->frec->filter_func.out_func == mp_output_filter) {
                break;      /* a Python filter may change the length */
            }
        }
        if (f == NULL) {
            ap_set_content_length(r, (apr_off_t)state->write_buffered);
        }
    }
    rc = mp_request_write_buffered(state);
    return rc < 0 ? rc : ap_rflush(r);
}

/* write(data, flush=True) arguments, parsed by hand: it is called for
 * every response, and PyArg_ParseTupleAndKeywords costs ~400 instructions
 * per call.  Returns 0, or -1 with an exception set. */
static int write_args(PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames, PyObject **data, int *flush)
{
    PyObject *flush_obj = NULL;
    Py_ssize_t i, nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;

    *data = NULL;
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError, "write() takes at most 2 arguments "
                     "(%zd given)", nargs + nkw);
        return -1;
    }
    if (nargs > 0) {
        *data = args[0];
    }
    if (nargs > 1) {
        flush_obj = args[1];
    }
    for (i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);

        if (*data == NULL && PyUnicode_CompareWithASCIIString(name, "data") == 0) {
            *data = args[nargs + i];
        }
        else if (flush_obj == NULL
                 && PyUnicode_CompareWithASCIIString(name, "flush") == 0) {
            flush_obj = args[nargs + i];
        }
        else {
            PyErr_Format(PyExc_TypeError, "write() got an unexpected or "
                         "repeated keyword argument '%U'", name);
            return -1;
        }
    }
    if (*data == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "write() missing required argument 'data'");
        return -1;
    }
    *flush = flush_obj == NULL ? 1 : PyObject_IsTrue(flush_obj);
    return *flush < 0 ? -1 : 0;
}

/* OSError for a failed req.write() or req.flush() (what: "write"), saying
 * why when mod_python knows: an output filter that failed cut the
 * response, rather than the client going away. */
static PyObject *write_failed(mp_request_state *state, const char *what)
{
    if (state != NULL && state->output_cut) {
        PyErr_Format(PyExc_OSError, "%s to client failed: an output filter "
                     "failed and cut the response (its traceback is in the "
                     "error log)", what);
    }
    else {
        PyErr_Format(PyExc_OSError, "%s to client failed (client closed "
                     "the connection?)", what);
    }
    return NULL;
}

static PyObject *request_write(mp_request *self, PyObject *const *args,
                               Py_ssize_t nargs, PyObject *kwnames)
{
    request_rec *r = req_rec(self);
    mp_request_state *state;
    PyObject *data, *bytes;
    apr_size_t len;
    int flush = 1, rc;

    if (r == NULL || write_args(args, nargs, kwnames, &data, &flush) < 0) {
        return NULL;
    }
    bytes = mp_body_bytes(data);
    if (bytes == NULL) {
        return NULL;
    }
    state = self->state;
    len = (apr_size_t)PyBytes_GET_SIZE(bytes);
    if (!flush && state->write_buffered + len <= MP_WRITE_BUFFER) {
        if (state->write_buffer == NULL) {
            state->write_buffer = apr_palloc(r->pool, MP_WRITE_BUFFER);
        }
        memcpy(state->write_buffer + state->write_buffered,
               PyBytes_AS_STRING(bytes), len);
        state->write_buffered += len;
        Py_DECREF(bytes);
        Py_RETURN_NONE;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = mp_request_write_buffered(state);
    state->wrote_to_apache = 1;
    if (rc >= 0) {
        rc = write_all(r, PyBytes_AS_STRING(bytes), (Py_ssize_t)len);
    }
    if (rc >= 0 && flush) {
        rc = ap_rflush(r);
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (rc < 0) {
        return write_failed(state, "write");
    }
    Py_RETURN_NONE;
}

static PyObject *request_flush(mp_request *self, PyObject *unused)
{
    request_rec *r = req_rec(self);
    int rc;

    (void)unused;
    if (r == NULL) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = mp_request_write_buffered(self->state);
    if (rc >= 0) {
        rc = ap_rflush(r);
    }
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        return write_failed(self->state, "flush");
    }
    Py_RETURN_NONE;
}

static PyObject *request_set_content_length(mp_request *self, PyObject *arg)
{
    request_rec *r = req_rec(self);
    long long len;

    if (r == NULL) {
        return NULL;
    }
    len = PyLong_AsLongLong(arg);
    if (len == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "content length must be >= 0");
        return NULL;
    }
    ap_set_content_length(r, (apr_off_t)len);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------- reading */

static mp_read_state *reader(mp_request *self, request_rec *r)
{
    mp_read_state *rs = &self->state->reading;
    int rc;

    if (!rs->setup_done) {
        rs->setup_done = 1;
        rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
        if (rc != OK) {
            rs->eof = 1;
            PyErr_Format(PyExc_OSError, "cannot read the request body "
                         "(HTTP status %d)", rc);
            return NULL;
        }
        rs->can_read = ap_should_client_block(r);
        rs->eof = !rs->can_read;
    }
    return rs;
}

/* Read up to len bytes: first those read ahead, then from the client.
 * Returns the count (0 at the end of the body) or -1 with OSError set. */
static long read_some(request_rec *r, mp_read_state *rs, char *buf,
                      apr_size_t len)
{
    long n;

    if (rs->buffer_pos < rs->buffer_len) {
        n = (long)(rs->buffer_len - rs->buffer_pos);
        if ((apr_size_t)n > len) {
            n = (long)len;
        }
        memcpy(buf, rs->buffer + rs->buffer_pos, n);
        rs->buffer_pos += n;
        return n;
    }
    if (rs->eof || len == 0) {
        return 0;
    }
    Py_BEGIN_ALLOW_THREADS
    n = ap_get_client_block(r, buf, len);
    Py_END_ALLOW_THREADS
    if (n <= 0) {
        rs->eof = 1;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_OSError, "error reading the request body "
                        "(timeout, or the client closed the connection)");
        return -1;
    }
    return n;
}

static PyObject *request_read(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    mp_read_state *rs;
    Py_ssize_t limit = -1;
    mp_buffer out = {NULL, 0, 0};
    long n;

    if (r == NULL || !PyArg_ParseTuple(args, "|n:read", &limit)
        || (rs = reader(self, r)) == NULL) {
        return NULL;
    }
    for (;;) {
        apr_size_t want = READ_CHUNK;
        if (limit >= 0) {
            if (out.len >= (apr_size_t)limit) {
                break;
            }
            want = (apr_size_t)limit - out.len;
        }
        else if (r->remaining > READ_CHUNK && out.len == 0) {
            want = (apr_size_t)r->remaining;
        }
        if (want > 1024 * 1024) {
            want = 1024 * 1024;
        }
        if (mp_buffer_reserve(&out, want) != 0) {
            mp_buffer_free(&out);
            return NULL;
        }
        n = read_some(r, rs, out.data + out.len, want);
        if (n < 0) {
            mp_buffer_free(&out);
            return NULL;
        }
        if (n == 0) {
            break;
        }
        out.len += (apr_size_t)n;
    }
    return mp_buffer_finish(&out);
}

static PyObject *readline_limited(mp_request *self, request_rec *r,
                                  Py_ssize_t limit)
{
    mp_read_state *rs = reader(self, r);
    mp_buffer out = {NULL, 0, 0};

    if (rs == NULL) {
        return NULL;
    }
    for (;;) {
        apr_size_t avail = rs->buffer_len - rs->buffer_pos, take;
        const char *start = rs->buffer + rs->buffer_pos, *nl;
        long n;

        if (limit >= 0 && out.len >= (apr_size_t)limit) {
            break;
        }
        if (avail == 0) {
            if (rs->buffer == NULL) {
                rs->buffer = apr_palloc(r->pool, READ_CHUNK);
            }
            rs->buffer_pos = rs->buffer_len = 0;
            if (rs->eof) {
                break;
            }
            Py_BEGIN_ALLOW_THREADS
            n = ap_get_client_block(r, rs->buffer, READ_CHUNK);
            Py_END_ALLOW_THREADS
            if (n <= 0) {
                rs->eof = 1;
            }
            if (n < 0) {
                mp_buffer_free(&out);
                PyErr_SetString(PyExc_OSError, "error reading the request "
                                "body (timeout, or the client closed the "
                                "connection)");
                return NULL;
            }
            rs->buffer_len = (apr_size_t)n;
            continue;
        }
        take = avail;
        if (limit >= 0 && take > (apr_size_t)limit - out.len) {
            take = (apr_size_t)limit - out.len;
        }
        nl = memchr(start, '\n', take);
        if (nl != NULL) {
            take = (apr_size_t)(nl - start) + 1;
        }
        if (mp_buffer_reserve(&out, take) != 0) {
            mp_buffer_free(&out);
            return NULL;
        }
        memcpy(out.data + out.len, start, take);
        out.len += take;
        rs->buffer_pos += take;
        if (nl != NULL) {
            break;
        }
    }
    return mp_buffer_finish(&out);
}

static PyObject *request_readline(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    Py_ssize_t limit = -1;

    if (r == NULL || !PyArg_ParseTuple(args, "|n:readline", &limit)) {
        return NULL;
    }
    return readline_limited(self, r, limit);
}

/* iter(req): the lines of the request body, as readline() gives them
 * (PEP 3333 wants wsgi.input, which is req, iterable). */
static PyObject *request_iternext(mp_request *self)
{
    request_rec *r = req_rec(self);
    PyObject *line;

    if (r == NULL) {
        return NULL;
    }
    line = readline_limited(self, r, -1);
    if (line != NULL && PyBytes_GET_SIZE(line) == 0) {
        Py_CLEAR(line);         /* the end: NULL without an exception */
    }
    return line;
}

static PyObject *request_readlines(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    Py_ssize_t sizehint = -1, total = 0;
    PyObject *lines, *line;

    if (r == NULL || !PyArg_ParseTuple(args, "|n:readlines", &sizehint)) {
        return NULL;
    }
    lines = PyList_New(0);
    while (lines != NULL) {
        line = readline_limited(self, r, -1);
        if (line == NULL) {
            Py_CLEAR(lines);
            break;
        }
        if (PyBytes_GET_SIZE(line) == 0) {
            Py_DECREF(line);
            break;
        }
        total += PyBytes_GET_SIZE(line);
        if (PyList_Append(lines, line) != 0) {
            Py_CLEAR(lines);
        }
        Py_DECREF(line);
        if (sizehint > 0 && total >= sizehint) {
            break;
        }
    }
    return lines;
}

/* ------------------------------------------------------ other methods */

/* A Basic credential as text: UTF-8 when it is valid UTF-8, else
 * Latin-1 (what browsers send for non-ASCII names and passwords). */
static PyObject *decode_credential(const char *text)
{
    Py_ssize_t len = (Py_ssize_t)strlen(text);
    PyObject *decoded = PyUnicode_DecodeUTF8(text, len, NULL);

    if (decoded == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        decoded = PyUnicode_DecodeLatin1(text, len, NULL);
    }
    return decoded;
}

/* The Basic password the client sent, or None; like the old API (and
 * ap_get_basic_auth_pw) it also sets req.user to the name sent, decoded
 * like the password and stored as UTF-8. */
static PyObject *request_get_basic_auth_pw(mp_request *self, PyObject *unused)
{
    request_rec *r = req_rec(self);
    const char *user = NULL, *pw = NULL, *user_utf8;
    PyObject *user_text;

    (void)unused;
    if (r == NULL) {
        return NULL;
    }
    if (ap_get_basic_auth_components(r, &user, &pw) != APR_SUCCESS
        || pw == NULL) {
        Py_RETURN_NONE;
    }
    user_text = decode_credential(user);
    if (user_text == NULL) {
        return NULL;
    }
    user_utf8 = PyUnicode_AsUTF8(user_text);
    if (user_utf8 == NULL) {
        Py_DECREF(user_text);
        return NULL;
    }
    r->user = apr_pstrdup(r->pool, user_utf8);
    Py_DECREF(user_text);
    return decode_credential(pw);
}

/* req.get_options() (options != 0) and req.get_config(): a copy of a
 * table of the directory's configuration. */
static PyObject *dir_config_table(mp_request *self, int options)
{
    request_rec *r = req_rec(self);
    mp_dir_config *conf;

    if (r == NULL) {
        return NULL;
    }
    conf = ap_get_module_config(r->per_dir_config, &python_module);
    return mp_table_wrap(options ? mp_visible_options(r->pool, conf->options)
                                 : apr_table_copy(r->pool, conf->directives),
                         r->pool, (PyObject *)self);
}

static PyObject *request_get_options(mp_request *self, PyObject *unused)
{
    (void)unused;
    return dir_config_table(self, 1);
}

static PyObject *request_get_config(mp_request *self, PyObject *unused)
{
    (void)unused;
    return dir_config_table(self, 0);
}

/* The directory given to req.add_handler(), as 3.5 keeps it: the real
 * path (symlinks resolved where it exists) with a trailing slash. */
static const char *canonical_directory(apr_pool_t *p, const char *dir)
{
    char *path = NULL;
    apr_status_t rv = apr_filepath_merge(&path, NULL, dir,
                                         APR_FILEPATH_TRUENAME, p);

    if ((rv != APR_SUCCESS && rv != APR_EPATHWILD) || path == NULL) {
        path = apr_pstrdup(p, dir);
    }
    if (*path && path[strlen(path) - 1] != '/') {
        path = apr_pstrcat(p, path, "/", NULL);
    }
    return path;
}

static PyObject *request_add_handler(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    const char *htype, *handler, *dir = NULL;
    mp_dynamic_handler *dyn;
    mp_dir_config *conf;
    int phase;

    if (r == NULL || !PyArg_ParseTuple(args, "ss|z:add_handler", &htype,
                                       &handler, &dir)) {
        return NULL;
    }
    phase = mp_phase_from_directive(htype);
    if (phase < 0 || phase == MP_PHASE_CLEANUP) {
        PyErr_Format(PyExc_ValueError, "add_handler: '%s' is not a request "
                     "phase directive (PythonCleanupHandler: use "
                     "req.register_cleanup())", htype);
        return NULL;
    }
    if (*handler == '\0') {
        PyErr_SetString(PyExc_ValueError, "add_handler: empty handler");
        return NULL;
    }
    if (dir == NULL) {
        /* inherit the directory of a configured handler of that phase,
         * else the directory of the handler running now */
        conf = ap_get_module_config(r->per_dir_config, &python_module);
        if (conf->handlers[phase] != NULL && conf->handlers[phase]->nelts) {
            dir = APR_ARRAY_IDX(conf->handlers[phase], 0, mp_handler).directory;
        }
        else {
            dir = self->state->current_directory;
        }
    }
    else {
        dir = canonical_directory(r->pool, dir);
    }
    if (self->state->dynamic == NULL) {
        self->state->dynamic = apr_array_make(r->pool, 2,
                                              sizeof(mp_dynamic_handler));
    }
    dyn = apr_array_push(self->state->dynamic);
    memset(dyn, 0, sizeof(*dyn));
    dyn->phase = phase;
    dyn->handler.handler = apr_pstrdup(r->pool, handler);
    dyn->handler.directive = mp_phase_directives[phase];
    dyn->handler.directory = dir;
    dyn->handler.location = self->state->current_location;
    /* a content handler needs Apache to pick mod_python for the content */
    if (phase == MP_PHASE_HANDLER && self->state->current_phase < phase) {
        r->handler = "mod_python";
    }
    Py_RETURN_NONE;
}

static PyObject *request_register_cleanup(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    PyObject *callable, *data = Py_None, *pair;

    if (r == NULL || !PyArg_ParseTuple(args, "O|O:register_cleanup",
                                       &callable, &data)) {
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_TypeError, "register_cleanup: first argument "
                        "must be callable");
        return NULL;
    }
    if (self->cleanups == NULL && (self->cleanups = PyList_New(0)) == NULL) {
        return NULL;
    }
    pair = PyTuple_Pack(2, callable, data);
    if (pair == NULL || PyList_Append(self->cleanups, pair) != 0) {
        Py_XDECREF(pair);
        return NULL;
    }
    Py_DECREF(pair);
    mp_request_state_register_cleanup(self->state);
    Py_RETURN_NONE;
}

/* Used by apache._run_cleanups: take the registered cleanups. */
static PyObject *request_take_cleanups(mp_request *self, PyObject *unused)
{
    PyObject *list = self->cleanups;

    (void)unused;
    self->cleanups = NULL;
    return list ? list : PyList_New(0);
}

static PyObject *request_log_error(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    PyObject *message;
    int level;

    if (r == NULL || !mp_log_args(args, &message, &level)) {
        return NULL;
    }
    ap_log_rerror(APLOG_MARK, level, 0, r, "%s", PyBytes_AS_STRING(message));
    Py_DECREF(message);
    Py_RETURN_NONE;
}

/* req.add_output_filter(name) ... req.register_input_filter(name,
 * handler[, dir]); the filter side is filterobject.c's. */
static PyObject *request_filter_method(mp_request *self, PyObject *args,
                                       int is_input, int do_register)
{
    request_rec *r = req_rec(self);
    const char *name, *handler = NULL, *dir = NULL;

    if (r == NULL) {
        return NULL;
    }
    if (do_register) {
        if (!PyArg_ParseTuple(args, "ss|z", &name, &handler, &dir)) {
            return NULL;
        }
        if (dir == NULL) {
            dir = self->state->current_directory;
        }
        mp_filter_register_dynamic(r, self->state, name, handler, dir,
                                   is_input);
        Py_RETURN_NONE;
    }
    if (!PyArg_ParseTuple(args, "s", &name)) {
        return NULL;
    }
    if (mp_filter_add(r, self->state, name, is_input) != 0) {
        PyErr_Format(PyExc_ValueError, "no %s filter named '%s' (register it "
                     "with Python%sFilter or req.register_%s_filter first)",
                     is_input ? "input" : "output", name,
                     is_input ? "Input" : "Output",
                     is_input ? "input" : "output");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *request_add_output_filter(mp_request *self,
                                           PyObject *args)
{
    return request_filter_method(self, args, 0, 0);
}

static PyObject *request_add_input_filter(mp_request *self,
                                          PyObject *args)
{
    return request_filter_method(self, args, 1, 0);
}

static PyObject *request_register_output_filter(mp_request *self,
                                                PyObject *args)
{
    return request_filter_method(self, args, 0, 1);
}

static PyObject *request_register_input_filter(mp_request *self,
                                               PyObject *args)
{
    return request_filter_method(self, args, 1, 1);
}

/* Methods that only call an httpd function on the request: req.NAME()
 * calls APFN(r) and returns None, or CONVERT(APFN(r)). */
#define MP_REQUEST_CALL(name, apfn)                                     \
    static PyObject *name(mp_request *self, PyObject *unused)           \
    {                                                                   \
        request_rec *r = req_rec(self);                                 \
                                                                        \
        (void)unused;                                                   \
        if (r == NULL) {                                                \
            return NULL;                                                \
        }                                                               \
        apfn(r);                                                        \
        Py_RETURN_NONE;                                                 \
    }
#define MP_REQUEST_VALUE(name, apfn, convert)                           \
    static PyObject *name(mp_request *self, PyObject *unused)           \
    {                                                                   \
        request_rec *r = req_rec(self);                                 \
                                                                        \
        (void)unused;                                                   \
        return r ? convert(apfn(r)) : NULL;                             \
    }

MP_REQUEST_CALL(request_add_common_vars, ap_add_common_vars)

MP_REQUEST_VALUE(request_document_root, ap_document_root, mp_str)

/* internal_redirect(uri, as_get=False).  as_get does what mod_cgi does for
 * a script's local redirect (a Location: /path without Status): the rest of
 * the body is read and dropped, and the new request is a GET without one. */
static PyObject *request_internal_redirect(mp_request *self, PyObject *args,
                                           PyObject *kwargs)
{
    static char *keywords[] = {"uri", "as_get", NULL};
    request_rec *r = req_rec(self);
    PyObject *uri_object;
    const char *uri;
    int as_get = 0;

    if (r == NULL
        || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|p:internal_redirect",
                                        keywords, &uri_object, &as_get)) {
        return NULL;
    }
    uri = mp_pstr_from_object(r->pool, uri_object, "uri");
    if (uri == NULL) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    (void)mp_request_write_buffered(self->state);
    if (as_get) {
        (void)ap_discard_request_body(r);
        r->method = "GET";
        r->method_number = M_GET;
        apr_table_unset(r->headers_in, "Content-Length");
        apr_table_unset(r->headers_in, "Transfer-Encoding");
    }
    ap_internal_redirect(uri, r);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *request_get_remote_host(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    int type = REMOTE_NAME, str_is_ip = 0;
    PyObject *want_ip = Py_None;
    const char *host;

    if (r == NULL || !PyArg_ParseTuple(args, "|iO:get_remote_host", &type,
                                       &want_ip)) {
        return NULL;
    }
    if (type < REMOTE_HOST || type > REMOTE_DOUBLE_REV) {
        PyErr_Format(PyExc_ValueError, "get_remote_host: type must be "
                     "apache.REMOTE_HOST, REMOTE_NAME, REMOTE_NOLOOKUP or "
                     "REMOTE_DOUBLE_REV, not %d", type);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    host = ap_get_remote_host(r->connection, r->per_dir_config, type,
                              &str_is_ip);
    Py_END_ALLOW_THREADS
    if (host == NULL) {
        Py_RETURN_NONE;
    }
    if (want_ip != Py_None) {
        return Py_BuildValue("(Ni)", mp_str(host), str_is_ip);
    }
    return mp_str(host);
}

/* allow_methods(methods[, reset]): names for the Allow header of a 405
 * or 501 response (and OPTIONS).  Extension methods are listed too. */
static PyObject *request_allow_methods(mp_request *self, PyObject *args)
{
    request_rec *r = req_rec(self);
    PyObject *methods, *seq;
    int reset = 0;
    Py_ssize_t i;

    if (r == NULL || !PyArg_ParseTuple(args, "O|i:allow_methods", &methods,
                                       &reset)) {
        return NULL;
    }
    if (PyUnicode_Check(methods) || PyBytes_Check(methods)) {
        seq = PyTuple_Pack(1, methods);        /* one method name */
    }
    else {
        seq = PySequence_Fast(methods, "allow_methods needs a sequence of "
                              "method names");
    }
    if (seq == NULL) {
        return NULL;
    }
    if (reset) {
        ap_clear_method_list(r->allowed_methods);
        r->allowed = 0;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        const char *m = mp_pstr_from_object(r->pool,
                                            PySequence_Fast_GET_ITEM(seq, i),
                                            "method");
        if (m == NULL) {
            Py_DECREF(seq);
            return NULL;
        }
        ap_method_list_add(r->allowed_methods, m);
        if (ap_method_number_of(m) == M_INVALID) {
            /* Apache lists extension methods only with this bit set */
            r->allowed_methods->method_mask |= AP_METHOD_BIT << M_INVALID;
        }
    }
    Py_DECREF(seq);
    r->allowed |= r->allowed_methods->method_mask;
    Py_RETURN_NONE;
}

static PyObject *request_construct_url(mp_request *self, PyObject *arg)
{
    request_rec *r = req_rec(self);
    const char *uri;

    if (r == NULL || (uri = mp_pstr_from_object(r->pool, arg, "uri")) == NULL) {
        return NULL;
    }
    return mp_str(ap_construct_url(r->pool, uri, r));
}

/* ------------------------------------------------- 3.x additions */

/* sendfile(path[, offset, len]): send (part of) a file with the core's
 * file buckets (sendfile(2) where Apache allows it); returns the count. */
static PyObject *request_sendfile(mp_request *self, PyObject *args,
                                  PyObject *kw)
{
    static char *kwlist[] = {"path", "offset", "len", NULL};
    request_rec *r = req_rec(self);
    PyObject *path;
    long long offset = 0, len = -1;
    const char *fname;
    apr_file_t *fd = NULL;
    apr_finfo_t finfo;
    apr_status_t rv;
    apr_size_t sent = 0;

    if (r == NULL
        || !PyArg_ParseTupleAndKeywords(args, kw, "O|LL:sendfile", kwlist,
                                        &path, &offset, &len)) {
        return NULL;
    }
    if (offset < 0) {
        PyErr_SetString(PyExc_ValueError, "sendfile: offset must be >= 0");
        return NULL;
    }
    fname = mp_pstr_from_object(r->pool, path, "sendfile: path");
    if (fname == NULL) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rv = apr_file_open(&fd, fname, APR_READ | APR_BINARY
                       | APR_SENDFILE_ENABLED, APR_OS_DEFAULT, r->pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&finfo, APR_FINFO_SIZE | APR_FINFO_TYPE, fd);
    }
    Py_END_ALLOW_THREADS
    if (rv != APR_SUCCESS) {
        return mp_apr_os_error(rv, "sendfile: cannot open the file", path);
    }
    if (finfo.filetype != APR_REG) {
        apr_file_close(fd);
        return mp_apr_os_error(APR_EINVAL, "sendfile: not a regular file",
                               path);
    }
    if (offset > finfo.size) {
        offset = finfo.size;
    }
    if (len < 0 || len > finfo.size - offset) {
        len = finfo.size - offset;
    }
    if (len == 0) {
        apr_file_close(fd);
        return PyLong_FromLong(0);
    }
    /* the file stays open until the request ends: the core output
     * filter may still hold its bucket after ap_send_fd returns */
    Py_BEGIN_ALLOW_THREADS
    self->state->wrote_to_apache = 1;
    rv = mp_request_write_buffered(self->state) < 0
         ? APR_EGENERAL
         : ap_send_fd(fd, r, (apr_off_t)offset, (apr_size_t)len, &sent);
    Py_END_ALLOW_THREADS
    if (rv != APR_SUCCESS) {
        return mp_apr_os_error(rv, "sendfile: sending failed (client "
                               "closed the connection?)", path);
    }
    return PyLong_FromSize_t(sent);
}

static PyObject *request_is_https(mp_request *self, PyObject *unused)
{
    request_rec *r = req_rec(self);
    int https;

    (void)unused;
    if (r == NULL) {
        return NULL;
    }
#ifdef MP_HAVE_AP_SSL
    https = ap_ssl_conn_is_ssl(r->connection);
#else
    {
        APR_OPTIONAL_FN_TYPE(ssl_is_https) *is_https =
            APR_RETRIEVE_OPTIONAL_FN(ssl_is_https);
        https = is_https != NULL && is_https(r->connection);
    }
#endif
    return PyBool_FromLong(https);
}

/* ssl_var_lookup(name): a mod_ssl variable (SSL_CIPHER ...), or None. */
static PyObject *request_ssl_var_lookup(mp_request *self, PyObject *arg)
{
    request_rec *r = req_rec(self);
    const char *name, *value;

    if (r == NULL
        || (name = mp_pstr_from_object(r->pool, arg, "ssl variable")) == NULL) {
        return NULL;
    }
#ifdef MP_HAVE_AP_SSL
    value = ap_ssl_var_lookup(r->pool, r->server, r->connection, r, name);
#else
    {
        APR_OPTIONAL_FN_TYPE(ssl_var_lookup) *lookup =
            APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
        value = lookup ? lookup(r->pool, r->server, r->connection, r,
                                (char *)name) : NULL;
    }
#endif
    return mp_str(value);
}

/* discard_request_body(): read and throw away the body; returns the
 * status of ap_discard_request_body (apache.OK or an HTTP error). */
static PyObject *request_discard_request_body(mp_request *self,
                                              PyObject *unused)
{
    request_rec *r = req_rec(self);
    mp_read_state *rs;
    int rc;

    (void)unused;
    if (r == NULL) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = ap_discard_request_body(r);
    Py_END_ALLOW_THREADS
    rs = &self->state->reading;
    rs->setup_done = 1;
    rs->eof = 1;
    rs->buffer_pos = rs->buffer_len;
    return PyLong_FromLong(rc);
}

MP_REQUEST_VALUE(request_auth_name, ap_auth_name, mp_str)

MP_REQUEST_VALUE(request_auth_type, ap_auth_type, mp_str)

/* Copy the WWW-Authenticate challenges of a refused subrequest to r, so a
 * 401 it decided reaches the client with its challenge. */
static int copy_challenge(void *rec, const char *key, const char *value)
{
    request_rec *r = rec;

    apr_table_add(r->err_headers_out, key, value);
    return 1;
}

/* _lookup_uri_access(uri): what Apache decides for a request of uri (its
 * <Location>, <Directory> and <Files> sections, symlink options, authn
 * and authz), through a lookup subrequest: (status, filename), status
 * 200 when it may be served, filename what uri maps to (None if none).
 * uri is unescaped, like req.uri.  The publisher calls this before it
 * loads a file other than req.filename (a refusal's 401 challenge is
 * copied to r for it); PSP's .psp_ view too (it drops the challenge). */
static PyObject *request_lookup_uri_access(mp_request *self, PyObject *arg)
{
    request_rec *r = req_rec(self);
    request_rec *sub;
    const char *uri;
    PyObject *filename;
    int status;

    if (r == NULL) {
        return NULL;
    }
    uri = mp_pstr_from_object(r->pool, arg, "uri");
    if (uri == NULL) {
        return NULL;
    }
    if (uri[0] != '/') {
        PyErr_SetString(PyExc_ValueError,
                        "_lookup_uri_access: uri must start with '/'");
        return NULL;
    }
    uri = ap_escape_uri(r->pool, uri);
    Py_BEGIN_ALLOW_THREADS
    sub = ap_sub_req_lookup_uri(uri, r, NULL);
    Py_END_ALLOW_THREADS
    status = sub->status;
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_do(copy_challenge, r, sub->err_headers_out,
                     "WWW-Authenticate", NULL);
    }
    if (sub->filename != NULL && (sub->path_info == NULL
                                  || sub->path_info[0] == '\0')) {
        filename = mp_str(sub->filename);
    }
    else {
        filename = Py_NewRef(Py_None);
    }
    ap_destroy_sub_req(sub);
    if (filename == NULL) {
        return NULL;
    }
    return Py_BuildValue("(iN)", status, filename);
}

MP_REQUEST_CALL(request_set_etag, ap_set_etag)

MP_REQUEST_CALL(request_set_last_modified, ap_set_last_modified)

MP_REQUEST_VALUE(request_meets_conditions, ap_meets_conditions,
                 PyLong_FromLong)

/* update_mtime(seconds): req.mtime becomes the later of the two. */
static PyObject *request_update_mtime(mp_request *self, PyObject *arg)
{
    request_rec *r = req_rec(self);
    double seconds;

    if (r == NULL) {
        return NULL;
    }
    seconds = PyFloat_AsDouble(arg);
    if (seconds == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    ap_update_mtime(r, (apr_time_t)(seconds * APR_USEC_PER_SEC));
    Py_RETURN_NONE;
}

static PyObject *request_add_cgi_vars(mp_request *self, PyObject *unused)
{
    request_rec *r = req_rec(self);

    (void)unused;
    if (r == NULL) {
        return NULL;
    }
    /* PATH_TRANSLATED takes a subrequest, which runs our hooks */
    Py_BEGIN_ALLOW_THREADS
    ap_add_cgi_vars(r);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyMethodDef request_methods[] = {
    /* filters (the filters themselves: filterobject.c) */
    {"add_output_filter", (PyCFunction)request_add_output_filter,
     METH_VARARGS, "add_output_filter(name): add a filter to this request's output"},
    {"add_input_filter", (PyCFunction)request_add_input_filter, METH_VARARGS,
     "add_input_filter(name): add a filter to this request's input"},
    {"register_output_filter", (PyCFunction)request_register_output_filter,
     METH_VARARGS, "register_output_filter(name, handler[, dir])"},
    {"register_input_filter", (PyCFunction)request_register_input_filter,
     METH_VARARGS, "register_input_filter(name, handler[, dir])"},
    {"write", (PyCFunction)(void (*)(void))request_write,
     METH_FASTCALL | METH_KEYWORDS,
     "write(data, flush=True): send bytes (or str as UTF-8) to the client"},
    {"flush", (PyCFunction)request_flush, METH_NOARGS, "flush the output"},
    {"set_content_length", (PyCFunction)request_set_content_length, METH_O,
     "set the Content-Length header"},
    {"read", (PyCFunction)request_read, METH_VARARGS,
     "read([len]): the request body (bytes)"},
    {"readline", (PyCFunction)request_readline, METH_VARARGS,
     "readline([len]): one line of the request body (bytes)"},
    {"readlines", (PyCFunction)request_readlines, METH_VARARGS,
     "readlines([sizehint]): lines of the request body"},
    {"get_basic_auth_pw", (PyCFunction)request_get_basic_auth_pw, METH_NOARGS,
     "the Basic authentication password, or None"},
    {"get_options", (PyCFunction)request_get_options, METH_NOARGS,
     "table of the PythonOption settings"},
    {"get_config", (PyCFunction)request_get_config, METH_NOARGS,
     "table of the mod_python directives in effect"},
    {"add_handler", (PyCFunction)request_add_handler, METH_VARARGS,
     "add_handler(htype, handler[, dir]): run handler later in this request"},
    {"register_cleanup", (PyCFunction)request_register_cleanup, METH_VARARGS,
     "register_cleanup(callable[, data]): call at the end of the request"},
    {"_take_cleanups", (PyCFunction)request_take_cleanups, METH_NOARGS,
     "internal: the registered cleanups, emptied"},
    {"log_error", (PyCFunction)request_log_error, METH_VARARGS,
     "log_error(message[, level]): write to the error log"},
    {"add_common_vars", (PyCFunction)request_add_common_vars, METH_NOARGS,
     "fill subprocess_env with the CGI variables"},
    {"document_root", (PyCFunction)request_document_root, METH_NOARGS,
     "the DocumentRoot"},
    {"internal_redirect", (PyCFunction)(void (*)(void))request_internal_redirect,
     METH_VARARGS | METH_KEYWORDS,
     "internal_redirect(uri, as_get=False): as_get drops the body and "
     "makes the new request a GET"},
    {"get_remote_host", (PyCFunction)request_get_remote_host, METH_VARARGS,
     "get_remote_host([type, str_is_ip])"},
    {"allow_methods", (PyCFunction)request_allow_methods, METH_VARARGS,
     "allow_methods(methods[, reset])"},
    {"construct_url", (PyCFunction)request_construct_url, METH_O,
     "construct_url(uri): an absolute URL for uri on this server"},
    {"sendfile", (PyCFunction)(void (*)(void))request_sendfile,
     METH_VARARGS | METH_KEYWORDS,
     "sendfile(path[, offset, len]): send a file; returns the bytes sent"},
    {"is_https", (PyCFunction)request_is_https, METH_NOARGS,
     "true when the connection uses SSL/TLS"},
    {"ssl_var_lookup", (PyCFunction)request_ssl_var_lookup, METH_O,
     "ssl_var_lookup(name): a mod_ssl variable, or None"},
    {"discard_request_body", (PyCFunction)request_discard_request_body,
     METH_NOARGS, "read and discard the request body; returns a status"},
    {"auth_name", (PyCFunction)request_auth_name, METH_NOARGS,
     "the AuthName in effect, or None"},
    {"auth_type", (PyCFunction)request_auth_type, METH_NOARGS,
     "the AuthType in effect, or None"},
    {"_lookup_uri_access", (PyCFunction)request_lookup_uri_access, METH_O,
     "_lookup_uri_access(uri): (status, filename) of a lookup subrequest"},
    {"set_etag", (PyCFunction)request_set_etag, METH_NOARGS,
     "set the ETag header from req.mtime and req.finfo"},
    {"set_last_modified", (PyCFunction)request_set_last_modified,
     METH_NOARGS, "set the Last-Modified header from req.mtime"},
    {"meets_conditions", (PyCFunction)request_meets_conditions, METH_NOARGS,
     "check the If-* headers: apache.OK, or the status to return "
     "(e.g. HTTP_NOT_MODIFIED)"},
    {"update_mtime", (PyCFunction)request_update_mtime, METH_O,
     "update_mtime(seconds): make req.mtime at least that"},
    {"add_cgi_vars", (PyCFunction)request_add_cgi_vars, METH_NOARGS,
     "add the CGI/1.1 variables (PATH_INFO, QUERY_STRING ...) to "
     "subprocess_env"},
    {NULL}
};

static PyObject *request_repr(mp_request *self)
{
    if (self->r == NULL) {
        return PyUnicode_FromString("<mp_request (finished)>");
    }
    return PyUnicode_FromFormat("<mp_request %s %s>",
                                self->r->method ? self->r->method : "?",
                                self->r->uri ? self->r->uri : "?");
}

/* Python < 3.12 names them in structmember.h only */
#ifndef Py_T_PYSSIZET
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_READONLY READONLY
#endif

static PyMemberDef request_members[] = {
    /* where handlers' own attributes live (req.foo = ...) */
    {"__dictoffset__", Py_T_PYSSIZET, offsetof(mp_request, dict),
     Py_READONLY, NULL},
    {NULL}
};

static PyType_Slot request_slots[] = {
    {Py_tp_dealloc, request_dealloc},
    {Py_tp_repr, request_repr},
    {Py_tp_getattro, PyObject_GenericGetAttr},
    {Py_tp_setattro, PyObject_GenericSetAttr},
    {Py_tp_doc, "the request object (req)"},
    {Py_tp_traverse, request_traverse},
    {Py_tp_clear, request_clear},
    {Py_tp_methods, request_methods},
    {Py_tp_members, request_members},
    {Py_tp_getset, request_getset},
    {Py_tp_iter, PyObject_SelfIter},
    {Py_tp_iternext, request_iternext},
    {0, NULL}
};

PyType_Spec mp_request_spec = {
    .name = "mp_request",
    .basicsize = sizeof(mp_request),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = request_slots,
};
