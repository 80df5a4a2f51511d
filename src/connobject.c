/*
 * connobject.c - mp_conn, the Python view of a conn_rec (req.connection).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * A conn object reached through a request lives as long as that request:
 * it holds the request object and refuses access once the request is over.
 */
#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    conn_rec *c;
    PyObject *owner;    /* request object, or NULL */
} mp_conn;

PyObject *mp_conn_new(conn_rec *c, PyObject *owner)
{
    mp_conn *self = PyObject_New(mp_conn, &mp_conn_type);

    if (self == NULL) {
        return NULL;
    }
    self->c = c;
    self->owner = Py_XNewRef(owner);
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
    Py_XDECREF(self->owner);
    PyObject_Free(self);
}

static PyObject *sockaddr_tuple(apr_sockaddr_t *sa)
{
    char *ip = NULL;

    if (sa == NULL || apr_sockaddr_ip_get(&ip, sa) != APR_SUCCESS) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(Ni)", mp_str(ip), (int)sa->port);
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
    case C_REMOTE_ADDR:    return sockaddr_tuple(c->client_addr);
    case C_LOCAL_IP:       return mp_str(c->local_ip);
    case C_LOCAL_ADDR:     return sockaddr_tuple(c->local_addr);
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

#define CONN_MEMBER(name, id, doc) \
    {name, (getter)conn_get, NULL, doc, (void *)(id)}

static PyGetSetDef conn_getset[] = {
    CONN_MEMBER("remote_ip", C_REMOTE_IP, "client IP address"),
    CONN_MEMBER("remote_addr", C_REMOTE_ADDR, "(ip, port) of the client"),
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

PyTypeObject mp_conn_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mp_conn",
    .tp_basicsize = sizeof(mp_conn),
    .tp_dealloc = (destructor)conn_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "the connection object (req.connection)",
    .tp_getset = conn_getset,
};
