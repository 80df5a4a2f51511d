/*
 * filterobject.c - Python input and output filters (mp_filter).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Apache calls a filter any number of times per request, each time with a
 * brigade.  For every call we make a short-lived mp_filter object: read()
 * takes data from the brigade Apache gave us (output filters) or pulls it
 * from the next filter (input filters), write() queues data for the next
 * filter.  What must survive between calls (closed, disabled, EOS seen,
 * input read ahead) lives in mp_filter_ctx, in f->ctx.  When the call
 * returns, the object is cut loose from the filter: using it later raises
 * instead of touching freed memory.
 *
 * Memory stays bounded: read() without a length returns at most
 * MP_FILTER_CHUNK bytes, and written data is passed on once
 * MP_FILTER_CHUNK bytes are queued.
 *
 * An output filter whose handler fails before it took any data is
 * disabled: the data passes through unfiltered and the response completes.
 * Once it has taken data, what it took may be lost, so the response must
 * not look complete: Apache answers 500 if no byte of the response went
 * out yet, else the connection is reset (output_cut).
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

#define MP_FILTER_CHUNK (64 * 1024)

/* State of one filter instance, across its calls. */
typedef struct {
    const mp_handler *handler;
    const char *name;
    int is_input;
    int closed;
    int disabled;
    int eos_seen;
    int took_data;                  /* read() returned data at least once */
    apr_status_t cut;               /* output_cut()'s status, once cut */
    apr_bucket_brigade *bb_in;      /* input: read from the next filter */
    apr_bucket_brigade *leftover;   /* input: produced beyond readbytes */
    apr_bucket_brigade *bb_out;     /* output: written, emptied each call */
} mp_filter_ctx;

/* One call of the filter by Apache. */
typedef struct {
    ap_filter_t *f;
    mp_filter_ctx *ctx;
    apr_bucket_brigade *bb_in;      /* data to read */
    apr_bucket_brigade *bb_out;     /* data written */
    apr_size_t queued;              /* output: bytes in bb_out */
    ap_input_mode_t mode;
    apr_read_type_e block;
    apr_off_t readbytes;
    apr_status_t pass_status;       /* first error passing data on */
    int keep_output;                /* <!--#python-->: bb_out is mod_include's
                                       brigade; never pass it on or end it */
} mp_filter_call;

typedef struct {
    PyObject_HEAD
    mp_filter_call *call;           /* NULL once the call is over */
    mp_filter_ctx *ctx;             /* in the request pool: NULL after too */
    PyObject *req;                  /* request object or None */
    PyObject *name;                 /* members kept for after the call */
    PyObject *handler;
    int closed;
    int is_input;
} mp_filter;

/* Registered filters: name (lower case) -> mp_filter_ctx template. */
static apr_hash_t *filter_registry;

/* The generic filters used by req.register_*_filter(). */
static ap_filter_rec_t *dynamic_output_handle;
static ap_filter_rec_t *dynamic_input_handle;

/* The call self belongs to, or NULL (RuntimeError) once it is over. */
static mp_filter_call *live_call(mp_filter *self)
{
    if (self->call == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "this filter object is no longer "
                        "valid (it is only usable during its handler call)");
    }
    return self->call;
}

/* Same, and the filter must not be closed (OSError). */
static mp_filter_call *open_call(mp_filter *self)
{
    mp_filter_call *call = live_call(self);

    if (call != NULL && call->ctx->closed) {
        PyErr_SetString(PyExc_OSError, "the filter is closed");
        return NULL;
    }
    return call;
}

/* Pass the queued output on to the next filter (GIL released). */
static int output_pass(mp_filter_call *self)
{
    apr_status_t rv;

    if (APR_BRIGADE_EMPTY(self->bb_out) || self->keep_output) {
        return 0;
    }
    Py_BEGIN_ALLOW_THREADS
    rv = ap_pass_brigade(self->f->next, self->bb_out);
    apr_brigade_cleanup(self->bb_out);
    Py_END_ALLOW_THREADS
    self->queued = 0;
    if (rv != APR_SUCCESS) {
        if (self->pass_status == APR_SUCCESS) {
            self->pass_status = rv;
        }
        PyErr_SetString(PyExc_OSError, "passing data to the next filter "
                        "failed (client gone?)");
        return -1;
    }
    return 0;
}

/* Input filters: make sure bb_in has something, asking the next filter. */
static int input_fill(mp_filter_call *self, apr_off_t want)
{
    apr_status_t rv;
    apr_off_t ask = self->readbytes > 0 ? self->readbytes : MP_FILTER_CHUNK;

    if (!APR_BRIGADE_EMPTY(self->bb_in) || self->ctx->eos_seen) {
        return 0;
    }
    if (want > 0 && want < ask) {
        ask = want;
    }
    Py_BEGIN_ALLOW_THREADS
    rv = ap_get_brigade(self->f->next, self->bb_in, AP_MODE_READBYTES,
                        self->block, ask);
    Py_END_ALLOW_THREADS
    if (rv == APR_EOF) {
        self->ctx->eos_seen = 1;
        return 0;
    }
    if (rv == APR_EAGAIN) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        PyErr_Format(PyExc_OSError, "reading from the next input filter "
                     "failed (%d)", (int)rv);
        return -1;
    }
    return 0;
}

/* Read up to limit bytes (stop_at_newline: through the first LF).
 * Returns bytes, or None at end of stream. */
static PyObject *filter_read_data(mp_filter_call *self, Py_ssize_t limit,
                                  int stop_at_newline)
{
    mp_buffer out = {NULL, 0, 0};
    int found_newline = 0;

    if (limit < 0) {
        limit = MP_FILTER_CHUNK;
    }
    while ((apr_size_t)limit > out.len && !found_newline) {
        apr_bucket *b;
        apr_status_t rv;

        if (self->ctx->is_input && APR_BRIGADE_EMPTY(self->bb_in)) {
            if (out.len > 0 && !stop_at_newline) {
                break;  /* return what we have before blocking again */
            }
            if (input_fill(self, (apr_off_t)limit - (apr_off_t)out.len) != 0) {
                mp_buffer_free(&out);
                return NULL;
            }
        }
        if (APR_BRIGADE_EMPTY(self->bb_in)) {
            break;
        }
        b = APR_BRIGADE_FIRST(self->bb_in);
        if (APR_BUCKET_IS_EOS(b)) {
            if (out.len > 0) {
                break;
            }
            self->ctx->eos_seen = 1;
            apr_bucket_delete(b);
            Py_RETURN_NONE;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            if (out.len > 0) {
                break;
            }
            /* keep flushes and other metadata in order with the output */
            APR_BUCKET_REMOVE(b);
            if (self->ctx->is_input) {
                apr_bucket_destroy(b);
                continue;
            }
            APR_BRIGADE_INSERT_TAIL(self->bb_out, b);
            if (APR_BUCKET_IS_FLUSH(b) && output_pass(self) != 0) {
                return NULL;
            }
            continue;
        }
        rv = mp_bucket_take(b, &out, (apr_size_t)limit - out.len,
                            stop_at_newline, &found_newline);
        if (rv != APR_SUCCESS) {
            mp_buffer_free(&out);
            if (rv != APR_ENOMEM) {
                PyErr_Format(PyExc_OSError, "cannot read a bucket (%d)",
                             (int)rv);
            }
            return NULL;
        }
    }
    if (out.len == 0 && self->ctx->eos_seen) {
        mp_buffer_free(&out);
        Py_RETURN_NONE;
    }
    if (out.len > 0) {
        self->ctx->took_data = 1;
    }
    return mp_buffer_finish(&out);
}

static PyObject *filter_read(mp_filter *self, PyObject *args)
{
    mp_filter_call *call;
    Py_ssize_t limit = -1;

    if (!PyArg_ParseTuple(args, "|n:read", &limit)
        || (call = open_call(self)) == NULL) {
        return NULL;
    }
    return filter_read_data(call, limit, 0);
}

static PyObject *filter_readline(mp_filter *self, PyObject *args)
{
    mp_filter_call *call;
    Py_ssize_t limit = -1;

    if (!PyArg_ParseTuple(args, "|n:readline", &limit)
        || (call = open_call(self)) == NULL) {
        return NULL;
    }
    return filter_read_data(call, limit < 0 ? PY_SSIZE_T_MAX : limit, 1);
}

static PyObject *filter_write(mp_filter *filter, PyObject *arg)
{
    mp_filter_call *self = open_call(filter);
    conn_rec *c;
    const char *data;
    Py_ssize_t len;
    PyObject *bytes;

    if (self == NULL) {
        return NULL;
    }
    bytes = mp_body_bytes(arg);
    if (bytes == NULL) {
        return NULL;
    }
    data = PyBytes_AS_STRING(bytes);
    len = PyBytes_GET_SIZE(bytes);
    c = self->f->c;
    if (len > 0) {
        APR_BRIGADE_INSERT_TAIL(self->bb_out,
            apr_bucket_heap_create(data, (apr_size_t)len, NULL,
                                   c->bucket_alloc));
        self->queued += (apr_size_t)len;
    }
    Py_DECREF(bytes);
    if (!self->ctx->is_input && self->queued >= MP_FILTER_CHUNK
        && output_pass(self) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *filter_flush(mp_filter *filter, PyObject *unused)
{
    mp_filter_call *self = open_call(filter);

    (void)unused;
    if (self == NULL) {
        return NULL;
    }
    APR_BRIGADE_INSERT_TAIL(self->bb_out,
        apr_bucket_flush_create(self->f->c->bucket_alloc));
    if (!self->ctx->is_input && output_pass(self) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *filter_close(mp_filter *filter, PyObject *unused)
{
    mp_filter_call *self = live_call(filter);

    (void)unused;
    if (self == NULL) {
        return NULL;
    }
    if (self->ctx->closed) {
        Py_RETURN_NONE;
    }
    if (self->keep_output) {        /* the page goes on after the element */
        self->ctx->closed = 1;
        Py_RETURN_NONE;
    }
    APR_BRIGADE_INSERT_TAIL(self->bb_out,
        apr_bucket_eos_create(self->f->c->bucket_alloc));
    self->ctx->closed = 1;
    if (!self->ctx->is_input && output_pass(self) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Pass everything through untouched. */
static PyObject *filter_pass_on(mp_filter *filter, PyObject *unused)
{
    mp_filter_call *self = open_call(filter);
    apr_status_t rv;

    (void)unused;
    if (self == NULL) {
        return NULL;
    }
    if (self->ctx->is_input) {
        APR_BRIGADE_CONCAT(self->bb_out, self->bb_in);
        if (!APR_BRIGADE_EMPTY(self->bb_out)) {
            Py_RETURN_NONE;
        }
        Py_BEGIN_ALLOW_THREADS
        rv = ap_get_brigade(self->f->next, self->bb_out, self->mode,
                            self->block, self->readbytes);
        Py_END_ALLOW_THREADS
        if (rv != APR_SUCCESS && rv != APR_EOF && rv != APR_EAGAIN) {
            PyErr_Format(PyExc_OSError, "pass_on: reading failed (%d)",
                         (int)rv);
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (!APR_BRIGADE_EMPTY(self->bb_in)
        && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(self->bb_in))) {
        self->ctx->closed = 1;
    }
    APR_BRIGADE_CONCAT(self->bb_out, self->bb_in);
    if (output_pass(self) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *filter_disable(mp_filter *self, PyObject *unused)
{
    (void)unused;
    if (live_call(self) == NULL) {
        return NULL;
    }
    self->ctx->disabled = 1;
    Py_RETURN_NONE;
}

static PyObject *filter_log_error(mp_filter *self, PyObject *args)
{
    PyObject *message;
    const char *text;
    int level;

    if (!mp_log_args(args, &message, &level)) {
        return NULL;
    }
    text = PyBytes_AS_STRING(message);
    if (self->call != NULL && self->call->f->r != NULL) {
        ap_log_rerror(APLOG_MARK, level, 0, self->call->f->r, "%s", text);
    }
    else if (self->call != NULL) {
        ap_log_cerror(APLOG_MARK, level, 0, self->call->f->c, "%s", text);
    }
    else {
        ap_log_error(APLOG_MARK, level, 0, NULL, "%s", text);
    }
    Py_DECREF(message);
    Py_RETURN_NONE;
}

static PyMethodDef filter_methods[] = {
    {"read", (PyCFunction)filter_read, METH_VARARGS,
     "read([len]): bytes from upstream, b'' when none now, None at EOS"},
    {"readline", (PyCFunction)filter_readline, METH_VARARGS,
     "readline([len]): one line from upstream, None at EOS"},
    {"write", (PyCFunction)filter_write, METH_O,
     "write(data): send bytes (or str as UTF-8) downstream"},
    {"flush", (PyCFunction)filter_flush, METH_NOARGS, "send a FLUSH bucket"},
    {"close", (PyCFunction)filter_close, METH_NOARGS, "send EOS; no more IO"},
    {"pass_on", (PyCFunction)filter_pass_on, METH_NOARGS,
     "pass the data through unchanged"},
    {"disable", (PyCFunction)filter_disable, METH_NOARGS,
     "stop calling the handler for this request; data passes through"},
    {"log_error", (PyCFunction)filter_log_error, METH_VARARGS,
     "log_error(message[, level])"},
    {NULL}
};

/* The members read ctx during the call; afterwards (ctx lives in the
 * request pool, which may be gone) the copies made when it ended. */
static PyObject *filter_get_closed(mp_filter *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->ctx ? self->ctx->closed : self->closed);
}

static PyObject *filter_get_name(mp_filter *self, void *closure)
{
    (void)closure;
    if (self->ctx == NULL) {
        return Py_NewRef(self->name ? self->name : Py_None);
    }
    return mp_str(self->ctx->name);
}

static PyObject *filter_get_handler(mp_filter *self, void *closure)
{
    (void)closure;
    if (self->ctx == NULL) {
        return Py_NewRef(self->handler ? self->handler : Py_None);
    }
    return mp_str(self->ctx->handler->handler);
}

static PyObject *filter_get_is_input(mp_filter *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->ctx ? self->ctx->is_input : self->is_input);
}

/* The call is over: keep what the members need, forget the pool data. */
static void filter_cut_loose(mp_filter *self)
{
    if (Py_REFCNT(self) > 1) {      /* someone kept the object */
        self->name = mp_str(self->ctx->name);
        self->handler = mp_str(self->ctx->handler->handler);
        if (self->name == NULL || self->handler == NULL) {
            PyErr_Clear();
        }
    }
    self->closed = self->ctx->closed;
    self->is_input = self->ctx->is_input;
    self->call = NULL;
    self->ctx = NULL;
}

static PyObject *filter_get_req(mp_filter *self, void *closure)
{
    (void)closure;
    return Py_NewRef(self->req);
}

static PyGetSetDef filter_getset[] = {
    {"closed", (getter)filter_get_closed, NULL, "true once closed", NULL},
    {"name", (getter)filter_get_name, NULL, "registered filter name", NULL},
    {"handler", (getter)filter_get_handler, NULL, "the Python handler", NULL},
    {"is_input", (getter)filter_get_is_input, NULL, "true for input", NULL},
    {"req", (getter)filter_get_req, NULL, "the request object", NULL},
    {NULL}
};

static void filter_dealloc(mp_filter *self)
{
    PyTypeObject *type = Py_TYPE(self);

    Py_XDECREF(self->req);
    Py_XDECREF(self->name);
    Py_XDECREF(self->handler);
    PyObject_Free(self);
    Py_DECREF(type);            /* a heap type: each instance holds it */
}

static PyType_Slot filter_slots[] = {
    {Py_tp_dealloc, filter_dealloc},
    {Py_tp_doc, "the filter object passed to Python filter handlers"},
    {Py_tp_methods, filter_methods},
    {Py_tp_getset, filter_getset},
    {0, NULL}
};

PyType_Spec mp_filter_spec = {
    .name = "mp_filter",
    .basicsize = sizeof(mp_filter),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = filter_slots,
};

/* ------------------------------------------------------ registration */

void mp_filter_registry_reset(apr_pool_t *pconf)
{
    filter_registry = apr_hash_make(pconf);
}

const char *mp_filter_register(cmd_parms *cmd, const char *handler,
                               const char *name, int is_input)
{
    mp_filter_ctx *tmpl = apr_pcalloc(cmd->pool, sizeof(*tmpl));
    mp_handler *h = apr_pcalloc(cmd->pool, sizeof(*h));
    char *key = apr_pstrdup(cmd->pool, name);

    h->handler = handler;
    h->directive = is_input ? "PythonInputFilter" : "PythonOutputFilter";
    tmpl->handler = h;
    tmpl->name = name;
    tmpl->is_input = is_input;
    ap_str_tolower(key);
    apr_hash_set(filter_registry, key, APR_HASH_KEY_STRING, tmpl);
    if (is_input) {
        ap_register_input_filter(name, mp_input_filter, NULL,
                                 AP_FTYPE_RESOURCE);
    }
    else {
        ap_register_output_filter(name, mp_output_filter, NULL,
                                  AP_FTYPE_RESOURCE);
    }
    return NULL;
}

/* The state of filter f: from f->ctx, or a fresh copy of the registered
 * template for f's name.  NULL when f is not a known Python filter. */
static mp_filter_ctx *filter_context(ap_filter_t *f, int is_input)
{
    mp_filter_ctx *tmpl, *ctx;
    char *key;

    if (f->ctx != NULL) {
        return f->ctx;
    }
    key = apr_pstrdup(f->r ? f->r->pool : f->c->pool, f->frec->name);
    ap_str_tolower(key);
    tmpl = filter_registry ? apr_hash_get(filter_registry, key,
                                          APR_HASH_KEY_STRING) : NULL;
    if (tmpl == NULL || tmpl->is_input != is_input) {
        return NULL;
    }
    ctx = apr_pmemdup(f->r ? f->r->pool : f->c->pool, tmpl, sizeof(*ctx));
    f->ctx = ctx;
    return ctx;
}

/* ------------------------------------------------------- the filters */

/* A new filter object of the running interpreter (GIL held). */
static mp_filter *filter_object_new(void)
{
    mp_state *state = mp_state_get();

    return state != NULL ? PyObject_New(mp_filter, state->filter_type)
                         : NULL;
}

/* Run the Python handler of call->ctx.  Returns 0, or -1 when the
 * handler raised or could not run (then the filter is disabled). */
static int call_filter_handler(mp_filter_call *call)
{
    ap_filter_t *f = call->f;
    mp_filter_ctx *ctx = call->ctx;
    request_rec *r = f->r;
    server_rec *s = r ? r->server : f->c->base_server;
    mp_dir_config *conf = ap_get_module_config(
        r ? r->per_dir_config : f->c->base_server->lookup_defaults,
        &python_module);
    const char *name = mp_select_interpreter(r, f->c->base_server, conf,
                                             ctx->handler, MP_PHASE_HANDLER);
    mp_interp *interp;
    mp_filter *self;
    PyObject *result;
    long status = HTTP_INTERNAL_SERVER_ERROR;

    interp = mp_acquire_interpreter(name, conf->gil, s);
    if (interp == NULL) {
        ctx->disabled = 1;
        return -1;
    }
    self = filter_object_new();
    if (self == NULL) {
        mp_log_python_error(s, "MP00020: cannot create a filter object");
        goto done;
    }
    self->call = call;
    self->ctx = ctx;
    self->name = NULL;
    self->handler = NULL;
    self->closed = 0;
    self->is_input = ctx->is_input;
    self->req = r ? Py_XNewRef(mp_request_object(mp_request_state_get(r),
                                                 interp))
                  : Py_NewRef(Py_None);
    if (self->req == NULL) {
        mp_log_python_error(s, "MP00015: cannot create the request object");
        self->req = Py_NewRef(Py_None);
        filter_cut_loose(self);
        Py_DECREF(self);
        goto done;
    }
    result = mp_dispatch_args_call(interp->dispatch_filter, (PyObject *)self,
                                   interp->filter_phases[ctx->is_input],
                                   ctx->handler,
                                   mp_handler_flags(conf, ctx->handler),
                                   conf->python_path);
    /* logged (and cleared) before filter_cut_loose calls into Python */
    status = mp_dispatch_status(result, s, ctx->is_input
                                ? "PythonInputFilter" : "PythonOutputFilter",
                                ctx->handler->handler);
    filter_cut_loose(self);         /* later use raises */
    Py_DECREF(self);

done:
    mp_release_interpreter();
    if (status != OK) {
        ctx->disabled = 1;
        return -1;
    }
    return 0;
}

/* <!--#python tag="code"--> (ssi.c): call apache._dispatch_include with a
 * filter object for mod_include's filter f whose writes are appended to
 * bb, and code as bytes (decoded there, so that a page that is not UTF-8
 * is reported as the page's error), in the interpreter the page's
 * handlers would use.  Returns 0, or -1
 * when the code failed (logged). */
int mp_filter_run_include(ap_filter_t *f, apr_bucket_brigade *bb,
                          const char *tag, const char *code)
{
    request_rec *r = f->r;
    mp_dir_config *conf = ap_get_module_config(r->per_dir_config,
                                               &python_module);
    mp_handler handler = {0};
    mp_filter_ctx ctx = {0};
    mp_filter_call call = {0};
    mp_interp *interp;
    mp_filter *self = NULL;
    PyObject *apache = NULL, *dispatch = NULL, *result = NULL;
    long status = HTTP_INTERNAL_SERVER_ERROR;

    handler.handler = "<!--#python-->";
    handler.directive = "PythonHandler";
    ctx.handler = &handler;
    ctx.name = f->frec->name;
    ctx.eos_seen = 1;               /* read() gives None: nothing to read */
    call.f = f;
    call.ctx = &ctx;
    call.bb_out = bb;
    call.bb_in = apr_brigade_create(r->pool, f->c->bucket_alloc);
    call.keep_output = 1;

    interp = mp_acquire_interpreter(mp_select_interpreter(r, NULL, conf,
                                                          &handler,
                                                          MP_PHASE_HANDLER),
                                    conf->gil, r->server);
    if (interp == NULL) {
        return -1;
    }
    self = filter_object_new();
    if (self == NULL) {
        goto done;
    }
    self->call = &call;
    self->ctx = &ctx;
    self->name = NULL;
    self->handler = NULL;
    self->closed = 0;
    self->is_input = 0;
    self->req = Py_XNewRef(mp_request_object(mp_request_state_get(r),
                                             interp));
    if (self->req == NULL) {
        self->req = Py_NewRef(Py_None);
        goto done;
    }
    apache = PyImport_ImportModule("mod_python.apache");
    dispatch = apache ? PyObject_GetAttrString(apache, "_dispatch_include")
                      : NULL;
    if (dispatch != NULL) {
        result = PyObject_CallFunction(dispatch, "Osy", (PyObject *)self,
                                       tag, code);
    }
    if (result != NULL) {
        status = PyLong_AsLong(result);
        if (status == -1 && PyErr_Occurred()) {
            status = HTTP_INTERNAL_SERVER_ERROR;
        }
    }

done:
    if (PyErr_Occurred()) {
        mp_log_python_error(r->server,
                            "MP00021: internal error running <!--#python-->");
    }
    if (self != NULL) {
        filter_cut_loose(self);     /* later use raises */
        Py_DECREF(self);
    }
    Py_XDECREF(result);
    Py_XDECREF(dispatch);
    Py_XDECREF(apache);
    mp_release_interpreter();
    return status == OK ? 0 : -1;
}

/* Is filter f in the chain that starts at first? */
static int filter_in_chain(ap_filter_t *first, ap_filter_t *f)
{
    for (; first != NULL; first = first->next) {
        if (first == f) {
            return 1;
        }
    }
    return 0;
}

/* End connection c so that the client cannot take what it got for a
 * complete response: no last chunk, no orderly close.  An orderly close
 * (FIN) is how a body without Content-Length or chunking ends (HTTP/1.0,
 * Connection: close), so the socket is made to close with a reset: with
 * c->aborted, Apache skips the lingering close and closes at once. */
static void abort_connection(conn_rec *c)
{
    struct linger reset = {1, 0};
    apr_socket_t *sock = c->master == NULL ? ap_get_conn_socket(c) : NULL;
    apr_os_sock_t fd;

    c->keepalive = AP_CONN_CLOSE;
    c->aborted = 1;
    if (sock != NULL && apr_os_sock_get(&fd, sock) == APR_SUCCESS) {
        /* if it fails the close is orderly: still without a last chunk */
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
}

/* The handler of an output filter failed after it took data, which may
 * be lost: the response must not look complete.  If nothing of it went
 * out yet, an error bucket makes the HTTP header filter answer 500 with
 * ap_die(); an EOC bucket after that 500 tells Apache's output filters to
 * send nothing more (the handler may go on writing).  Otherwise, or in a
 * subrequest, the connection is aborted.  Returns the status to give the
 * caller, now and for the rest of the request. */
static apr_status_t output_cut(ap_filter_t *f, mp_filter_ctx *ctx)
{
    request_rec *r = f->r, *last;
    conn_rec *c = f->c;
    apr_bucket_brigade *bb;

    ctx->cut = APR_ECONNABORTED;
    if (r == NULL) {
        abort_connection(c);
        return ctx->cut;
    }
    for (last = r; last != NULL; last = last->main) {
        mp_request_state *state = ap_get_module_config(last->request_config,
                                                       &python_module);
        if (state != NULL) {
            state->output_cut = 1;  /* req.write() says why it fails */
        }
    }
    r->no_cache = 1;
    if (r->main != NULL) {
        r->main->no_cache = 1;
    }
    if (r->main == NULL && !r->sent_bodyct && !c->aborted) {
        apr_status_t rv;

        last = r;

        bb = apr_brigade_create(r->pool, c->bucket_alloc);
        APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(
            HTTP_INTERNAL_SERVER_ERROR, NULL, r->pool, c->bucket_alloc));
        rv = ap_pass_brigade(f->next, bb);
        apr_brigade_cleanup(bb);
        /* the error response went out through the chain of the last
         * request: this one's protocol filters, or an ErrorDocument's */
        while (last->next != NULL) {
            last = last->next;
        }
        if (rv == AP_FILTER_ERROR
            && !filter_in_chain(last->output_filters, f)) {
            APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(
                c->bucket_alloc));
            APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_eoc_create(
                c->bucket_alloc));
            (void)ap_pass_brigade(last->output_filters, bb);
            apr_brigade_cleanup(bb);
            ctx->cut = AP_FILTER_ERROR;
            return ctx->cut;
        }
    }
    abort_connection(c);
    return ctx->cut;
}

/* Output filter (AP_FTYPE_RESOURCE). */
apr_status_t mp_output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    mp_filter_ctx *ctx = filter_context(f, 0);
    mp_filter_call call;
    apr_status_t rv;

    if (ctx == NULL) {
        return ap_pass_brigade(f->next, bb);
    }
    if (ctx->cut != APR_SUCCESS) {
        apr_brigade_cleanup(bb);    /* the response was cut short */
        return ctx->cut;
    }
    if (ctx->closed) {
        apr_brigade_cleanup(bb);    /* nothing may follow our EOS */
        return APR_SUCCESS;
    }
    if (ctx->disabled) {
        return ap_pass_brigade(f->next, bb);
    }
    memset(&call, 0, sizeof(call));
    call.f = f;
    call.ctx = ctx;
    call.bb_in = bb;
    if (ctx->bb_out == NULL) {
        /* one brigade for every call: a pool allocation per call would
         * grow the request pool with the length of the response */
        ctx->bb_out = apr_brigade_create(f->r ? f->r->pool : f->c->pool,
                                         f->c->bucket_alloc);
        /* The filter may change the body: a Content-Length set by the
         * handler (or the core, for a file) would no longer be true.
         * As mod_deflate does: drop it; httpd's own content-length
         * filter puts the right one back when it sees the whole body,
         * else the response is chunked. */
        if (f->r != NULL) {
            apr_table_unset(f->r->headers_out, "Content-Length");
        }
    }
    call.bb_out = ctx->bb_out;
    /* (a handler that failed after close() had ended the response: the
     * rest is dropped below, as after any close) */
    if (call_filter_handler(&call) != 0 && !ctx->closed) {
        if (ctx->took_data) {
            apr_brigade_cleanup(call.bb_out);
            apr_brigade_cleanup(bb);
            return output_cut(f, ctx);
        }
        /* failed before taking data: the rest passes through unfiltered */
        APR_BRIGADE_CONCAT(call.bb_out, bb);
        if (ctx->eos_seen && !ctx->closed) {
            APR_BRIGADE_INSERT_TAIL(call.bb_out,
                apr_bucket_eos_create(f->c->bucket_alloc));
            ctx->closed = 1;
        }
        rv = ap_pass_brigade(f->next, call.bb_out);
        apr_brigade_cleanup(call.bb_out);
        return rv;
    }
    /* data the handler did not read is passed on, never dropped */
    if (!ctx->closed) {
        APR_BRIGADE_CONCAT(call.bb_out, bb);
        if (!APR_BRIGADE_EMPTY(call.bb_out)
            && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(call.bb_out))) {
            ctx->closed = 1;
        }
        else if (ctx->eos_seen) {
            APR_BRIGADE_INSERT_TAIL(call.bb_out,
                apr_bucket_eos_create(f->c->bucket_alloc));
            ctx->closed = 1;
        }
    }
    else {
        apr_brigade_cleanup(bb);
    }
    if (call.pass_status != APR_SUCCESS) {
        apr_brigade_cleanup(call.bb_out);
        return call.pass_status;
    }
    if (APR_BRIGADE_EMPTY(call.bb_out)) {
        return APR_SUCCESS;
    }
    rv = ap_pass_brigade(f->next, call.bb_out);
    apr_brigade_cleanup(call.bb_out);
    return rv;
}

/* Move at most readbytes from src to dst; the rest stays in src. */
static void move_limited(apr_bucket_brigade *dst, apr_bucket_brigade *src,
                         apr_off_t readbytes)
{
    apr_bucket *split;

    if (readbytes > 0
        && apr_brigade_partition(src, readbytes, &split) == APR_SUCCESS
        && split != APR_BRIGADE_SENTINEL(src)) {
        apr_bucket_brigade *rest = apr_brigade_split(src, split);
        APR_BRIGADE_CONCAT(dst, src);
        APR_BRIGADE_CONCAT(src, rest);
        apr_brigade_destroy(rest);
        return;
    }
    APR_BRIGADE_CONCAT(dst, src);
}

/* Input filter (AP_FTYPE_RESOURCE). */
apr_status_t mp_input_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                             ap_input_mode_t mode, apr_read_type_e block,
                             apr_off_t readbytes)
{
    mp_filter_ctx *ctx = filter_context(f, 1);
    apr_pool_t *pool = f->r ? f->r->pool : f->c->pool;
    mp_filter_call call;

    if (ctx == NULL || ctx->disabled || mode != AP_MODE_READBYTES) {
        if (ctx != NULL && ctx->leftover != NULL
            && !APR_BRIGADE_EMPTY(ctx->leftover)) {
            move_limited(bb, ctx->leftover, readbytes);
            return APR_SUCCESS;
        }
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    if (ctx->leftover == NULL) {
        ctx->leftover = apr_brigade_create(pool, f->c->bucket_alloc);
        ctx->bb_in = apr_brigade_create(pool, f->c->bucket_alloc);
    }
    if (!APR_BRIGADE_EMPTY(ctx->leftover)) {
        move_limited(bb, ctx->leftover, readbytes);
        return APR_SUCCESS;
    }
    if (ctx->closed) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    memset(&call, 0, sizeof(call));
    call.f = f;
    call.ctx = ctx;
    call.bb_in = ctx->bb_in;
    call.bb_out = ctx->leftover;
    call.mode = mode;
    call.block = block;
    call.readbytes = readbytes;
    if (call_filter_handler(&call) != 0) {
        /* failed: hand over what the handler wrote, then pass through */
        APR_BRIGADE_CONCAT(ctx->leftover, ctx->bb_in);
        if (APR_BRIGADE_EMPTY(ctx->leftover)) {
            return ap_get_brigade(f->next, bb, mode, block, readbytes);
        }
    }
    else if (ctx->eos_seen && !ctx->closed) {
        APR_BRIGADE_INSERT_TAIL(ctx->leftover,
                                apr_bucket_eos_create(f->c->bucket_alloc));
        ctx->closed = 1;
    }
    move_limited(bb, ctx->leftover, readbytes);
    return APR_SUCCESS;
}

/* -------------------------------------- dynamic filters (req methods) */

void mp_filter_register_generic(void)
{
    dynamic_output_handle = ap_register_output_filter("MOD_PYTHON",
        mp_output_filter, NULL, AP_FTYPE_RESOURCE);
    dynamic_input_handle = ap_register_input_filter("MOD_PYTHON",
        mp_input_filter, NULL, AP_FTYPE_RESOURCE);
}

/* req.register_output_filter / register_input_filter: remember a Python
 * handler under name for this request only. */
int mp_filter_register_dynamic(request_rec *r, mp_request_state *state,
                               const char *name, const char *handler,
                               const char *directory, int is_input)
{
    mp_filter_ctx *tmpl = apr_pcalloc(r->pool, sizeof(*tmpl));
    mp_handler *h = apr_pcalloc(r->pool, sizeof(*h));
    char *key = apr_pstrdup(r->pool, name);

    h->handler = apr_pstrdup(r->pool, handler);
    h->directive = is_input ? "PythonInputFilter" : "PythonOutputFilter";
    h->directory = directory ? apr_pstrdup(r->pool, directory) : NULL;
    tmpl->handler = h;
    tmpl->name = apr_pstrdup(r->pool, name);
    tmpl->is_input = is_input;
    ap_str_tolower(key);
    if (state->filters == NULL) {
        state->filters = apr_hash_make(r->pool);
    }
    apr_hash_set(state->filters, key, APR_HASH_KEY_STRING, tmpl);
    return 0;
}

/* req.add_output_filter / add_input_filter: a filter registered for this
 * request by Python, else any filter Apache knows.  0, or -1 if unknown. */
int mp_filter_add(request_rec *r, mp_request_state *state, const char *name,
                  int is_input)
{
    mp_filter_ctx *tmpl = NULL, *ctx;
    char *key = apr_pstrdup(r->pool, name);

    ap_str_tolower(key);
    if (state->filters != NULL) {
        tmpl = apr_hash_get(state->filters, key, APR_HASH_KEY_STRING);
    }
    if (tmpl != NULL && tmpl->is_input == is_input) {
        ctx = apr_pmemdup(r->pool, tmpl, sizeof(*ctx));
        if (is_input) {
            ap_add_input_filter_handle(dynamic_input_handle, ctx, r,
                                       r->connection);
        }
        else {
            ap_add_output_filter_handle(dynamic_output_handle, ctx, r,
                                        r->connection);
        }
        return 0;
    }
    if (is_input) {
        return ap_add_input_filter(name, NULL, r, r->connection) ? 0 : -1;
    }
    return ap_add_output_filter(name, NULL, r, r->connection) ? 0 : -1;
}
