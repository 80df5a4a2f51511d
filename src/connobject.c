/*
 * connobject.c - mp_conn, the Python view of a conn_rec (req.connection).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * A conn object reached through a request lives as long as that request:
 * it holds the request object and refuses access once the request is over.
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

#define CONN_CHUNK 8192

typedef struct {
    PyObject_HEAD
    conn_rec *c;
    PyObject *owner;            /* request object, or NULL */
    apr_bucket_brigade *bb;     /* connection handlers: read-ahead */
    int eof;                    /* the client closed its side */
} mp_conn;

PyObject *mp_conn_new(conn_rec *c, PyObject *owner)
{
    mp_state *state = mp_state_get();
    mp_conn *self;

    if (state == NULL) {
        return NULL;
    }
    self = PyObject_New(mp_conn, state->conn_type);
    if (self == NULL) {
        return NULL;
    }
    self->c = c;
    self->owner = Py_XNewRef(owner);
    self->bb = NULL;
    self->eof = 0;
    return (PyObject *)self;
}

void mp_conn_invalidate(PyObject *conn)
{
    ((mp_conn *)conn)->c = NULL;
}

int mp_owner_alive_conn(PyObject *conn)
{
    mp_conn *self = (mp_conn *)conn;

    return self->c != NULL && (self->owner == NULL
                               || mp_owner_alive(self->owner));
}

static conn_rec *conn_rec_of(mp_conn *self)
{
    if (!mp_owner_alive_conn((PyObject *)self)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this connection object belongs to a request or "
                        "connection that is over");
        return NULL;
    }
    return self->c;
}

static void conn_dealloc(mp_conn *self)
{
    PyTypeObject *type = Py_TYPE(self);

    Py_XDECREF(self->owner);
    PyObject_Free(self);
    Py_DECREF(type);            /* a heap type: each instance holds it */
}

typedef enum {
    C_REMOTE_IP, C_REMOTE_ADDR, C_LOCAL_IP, C_LOCAL_ADDR, C_LOCAL_HOST,
    C_REMOTE_HOST, C_REMOTE_LOGNAME, C_KEEPALIVE, C_ABORTED, C_KEEPALIVES,
    C_DOUBLE_REVERSE, C_ID, C_NOTES, C_BASE_SERVER, C_LOG_ID
} conn_member;

static PyObject *conn_get(mp_conn *self, void *closure)
{
    conn_rec *c = conn_rec_of(self);

    if (c == NULL) {
        return NULL;
    }
    switch ((conn_member)(apr_uintptr_t)closure) {
    case C_REMOTE_IP:      return mp_str(c->client_ip);
    case C_REMOTE_ADDR:    return mp_sockaddr_tuple(c->client_addr);
    case C_LOCAL_IP:       return mp_str(c->local_ip);
    case C_LOCAL_ADDR:     return mp_sockaddr_tuple(c->local_addr);
    case C_LOCAL_HOST:     return mp_str(c->local_host);
    case C_REMOTE_HOST:    return mp_str(c->remote_host);
    case C_REMOTE_LOGNAME: return mp_str(c->remote_logname);
    case C_KEEPALIVE:      return PyLong_FromLong(c->keepalive);
    case C_ABORTED:        return PyBool_FromLong(c->aborted);
    case C_KEEPALIVES:     return PyLong_FromLong(c->keepalives);
    case C_DOUBLE_REVERSE: return PyLong_FromLong(c->double_reverse);
    case C_ID:             return PyLong_FromLong(c->id);
    case C_NOTES:
        return mp_table_wrap(c->notes, c->pool, (PyObject *)self);
    case C_BASE_SERVER:    return mp_server_new(c->base_server);
    case C_LOG_ID:         return mp_str(c->log_id);
    }
    Py_RETURN_NONE;
}

/* ---------------------------------------- I/O for connection handlers */

/* Read up to limit bytes (through the first LF if line); b"" at end of
 * input, and OSError when called again after that. */
static PyObject *conn_read_data(mp_conn *self, Py_ssize_t limit, int line)
{
    conn_rec *c = conn_rec_of(self);
    mp_buffer out = {NULL, 0, 0};
    int done = 0;

    if (c == NULL) {
        return NULL;
    }
    if (self->eof) {
        PyErr_SetString(PyExc_OSError, "connection closed by the client");
        return NULL;
    }
    if (self->bb == NULL) {
        self->bb = apr_brigade_create(c->pool, c->bucket_alloc);
    }
    while (!done && (limit < 0 || out.len < (apr_size_t)limit)) {
        apr_size_t room = limit < 0 ? CONN_CHUNK : (apr_size_t)limit - out.len;
        apr_bucket *b;
        apr_status_t rv = APR_SUCCESS;

        if (APR_BRIGADE_EMPTY(self->bb)) {
            Py_BEGIN_ALLOW_THREADS
            rv = ap_get_brigade(c->input_filters, self->bb,
                                line ? AP_MODE_GETLINE : AP_MODE_READBYTES,
                                APR_BLOCK_READ,
                                (apr_off_t)(room < CONN_CHUNK ? room
                                                              : CONN_CHUNK));
            Py_END_ALLOW_THREADS
            if (rv != APR_SUCCESS || APR_BRIGADE_EMPTY(self->bb)) {
                self->eof = out.len == 0;
                break;
            }
        }
        b = APR_BRIGADE_FIRST(self->bb);
        if (APR_BUCKET_IS_EOS(b)) {
            apr_bucket_delete(b);
            self->eof = out.len == 0;
            break;
        }
        rv = mp_bucket_take(b, &out, limit < 0 ? (apr_size_t)-1 : room, line,
                            &done);
        if (rv != APR_SUCCESS) {
            mp_buffer_free(&out);
            if (rv != APR_ENOMEM) {
                PyErr_Format(PyExc_OSError, "reading the connection failed "
                             "(%d)", (int)rv);
            }
            return NULL;
        }
    }
    return mp_buffer_finish(&out);
}

static PyObject *conn_read(mp_conn *self, PyObject *args)
{
    Py_ssize_t length = -1;

    if (!PyArg_ParseTuple(args, "|n:read", &length)) {
        return NULL;
    }
    return conn_read_data(self, length, 0);
}

static PyObject *conn_readline(mp_conn *self, PyObject *args)
{
    Py_ssize_t length = -1;

    if (!PyArg_ParseTuple(args, "|n:readline", &length)) {
        return NULL;
    }
    return conn_read_data(self, length, 1);
}

static PyObject *conn_write(mp_conn *self, PyObject *arg)
{
    conn_rec *c = conn_rec_of(self);
    apr_bucket_brigade *bb;
    PyObject *bytes;
    apr_status_t rv;

    if (c == NULL) {
        return NULL;
    }
    bytes = mp_body_bytes(arg);
    if (bytes == NULL) {
        return NULL;
    }
    if (c->aborted) {
        Py_DECREF(bytes);
        PyErr_SetString(PyExc_OSError, "connection closed by the client");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    bb = apr_brigade_create(c->pool, c->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_transient_create(
        PyBytes_AS_STRING(bytes), (apr_size_t)PyBytes_GET_SIZE(bytes),
        c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(c->bucket_alloc));
    rv = ap_pass_brigade(c->output_filters, bb);
    apr_brigade_destroy(bb);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (rv != APR_SUCCESS || c->aborted) {
        PyErr_SetString(PyExc_OSError, "write to the connection failed "
                        "(client gone?)");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *conn_log_error(mp_conn *self, PyObject *args)
{
    conn_rec *c = conn_rec_of(self);
    PyObject *message;
    int level;

    if (c == NULL || !mp_log_args(args, &message, &level)) {
        return NULL;
    }
    ap_log_cerror(APLOG_MARK, level, 0, c, "%s", PyBytes_AS_STRING(message));
    Py_DECREF(message);
    Py_RETURN_NONE;
}

static PyMethodDef conn_methods[] = {
    {"read", (PyCFunction)conn_read, METH_VARARGS,
     "read([length]): length bytes (-1: until the client closes)"},
    {"readline", (PyCFunction)conn_readline, METH_VARARGS,
     "readline([length]): one line, at most length bytes"},
    {"write", (PyCFunction)conn_write, METH_O,
     "write(data): send bytes (or str as UTF-8) and flush"},
    {"log_error", (PyCFunction)conn_log_error, METH_VARARGS,
     "log_error(message[, level])"},
    {NULL}
};

/* process_connection: RUN_FIRST, the whole connection, when the server
 * (vhost) the connection arrived on has a PythonConnectionHandler. */
int mp_process_connection(conn_rec *c)
{
    mp_server_config *sconf = ap_get_module_config(
        c->base_server->module_config, &python_module);
    mp_dir_config *conf = ap_get_module_config(
        c->base_server->lookup_defaults, &python_module);
    const mp_handler *h = sconf->connection_handler;
    const char *name;
    mp_interp *interp;
    PyObject *conn, *result;
    long status = OK;

    if (h == NULL) {
        return DECLINED;
    }
    name = mp_select_interpreter(NULL, c->base_server, conf, h,
                                 MP_PHASE_COUNT);
    interp = mp_acquire_interpreter(name, conf->gil, c->base_server);
    if (interp == NULL) {
        if (c->cs != NULL) {
            c->cs->state = CONN_STATE_LINGER;
        }
        return OK;
    }
    conn = mp_conn_new(c, NULL);
    if (conn == NULL) {
        mp_log_python_error(c->base_server,
                            "MP00019: cannot create the conn object");
    }
    else {
        result = mp_dispatch_args_call(interp->dispatch_connection, conn,
                                       interp->connection_phase, h,
                                       mp_handler_flags(conf, h),
                                       conf->python_path);
        status = mp_dispatch_status(result, c->base_server,
                                    "PythonConnectionHandler", h->handler);
        mp_conn_invalidate(conn);
        Py_DECREF(conn);
    }
    mp_release_interpreter();
    if (status == DECLINED) {
        /* as in 3.5: the next process_connection hook (HTTP) takes the
         * connection, with whatever the handler left unread */
        return DECLINED;
    }
    /* the MPM closes the connection: prefork/worker always do after this
     * hook; event needs to be told */
    if (c->cs != NULL) {
        c->cs->state = CONN_STATE_LINGER;
    }
    return OK;
}

#define CONN_MEMBER(name, id, doc) \
    {name, (getter)conn_get, NULL, doc, (void *)(id)}

static PyGetSetDef conn_getset[] = {
    CONN_MEMBER("remote_ip", C_REMOTE_IP, "client IP address"),
    CONN_MEMBER("remote_addr", C_REMOTE_ADDR, "(ip, port) of the client"),
    CONN_MEMBER("client_ip", C_REMOTE_IP, "client IP address (httpd 2.4 "
                "name of remote_ip)"),
    CONN_MEMBER("client_addr", C_REMOTE_ADDR, "(ip, port) of the client "
                "(httpd 2.4 name of remote_addr)"),
    CONN_MEMBER("local_ip", C_LOCAL_IP, "server IP address"),
    CONN_MEMBER("local_addr", C_LOCAL_ADDR, "(ip, port) of the server"),
    CONN_MEMBER("local_host", C_LOCAL_HOST, "server host name"),
    CONN_MEMBER("remote_host", C_REMOTE_HOST, "client DNS name, if looked up"),
    CONN_MEMBER("remote_logname", C_REMOTE_LOGNAME, "ident user name"),
    CONN_MEMBER("keepalive", C_KEEPALIVE, "keep-alive state"),
    CONN_MEMBER("aborted", C_ABORTED, "true when the connection was aborted"),
    CONN_MEMBER("keepalives", C_KEEPALIVES, "requests served on it so far"),
    CONN_MEMBER("double_reverse", C_DOUBLE_REVERSE, "double reverse lookup"),
    CONN_MEMBER("id", C_ID, "connection id"),
    CONN_MEMBER("notes", C_NOTES, "notes table of the connection"),
    CONN_MEMBER("base_server", C_BASE_SERVER, "server the connection came in"),
    CONN_MEMBER("log_id", C_LOG_ID, "connection log id"),
    {NULL}
};

static PyType_Slot conn_slots[] = {
    {Py_tp_dealloc, conn_dealloc},
    {Py_tp_doc, "the connection object (req.connection)"},
    {Py_tp_methods, conn_methods},
    {Py_tp_getset, conn_getset},
    {0, NULL}
};

PyType_Spec mp_conn_spec = {
    .name = "mp_conn",
    .basicsize = sizeof(mp_conn),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = conn_slots,
};
