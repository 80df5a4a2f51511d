/*
 * serverobject.c - mp_server, the Python view of a server_rec.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * server_rec lives as long as the configuration, i.e. as long as the
 * child process: no lifetime checks are needed.
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

typedef struct {
    PyObject_HEAD
    server_rec *s;
} mp_server;

PyObject *mp_server_new(server_rec *s)
{
    mp_server *self;

    if (s == NULL) {
        Py_RETURN_NONE;
    }
    self = PyObject_New(mp_server, &mp_server_type);
    if (self == NULL) {
        return NULL;
    }
    self->s = s;
    return (PyObject *)self;
}

static void server_dealloc(mp_server *self)
{
    PyObject_Free(self);
}

static PyObject *names_tuple(apr_array_header_t *names)
{
    PyObject *tuple;
    int i;

    tuple = PyTuple_New(names ? names->nelts : 0);
    for (i = 0; tuple && names && i < names->nelts; i++) {
        PyObject *s = mp_str(APR_ARRAY_IDX(names, i, const char *));
        if (s == NULL) {
            Py_CLEAR(tuple);
            break;
        }
        PyTuple_SET_ITEM(tuple, i, s);
    }
    return tuple;
}

typedef enum {
    S_HOSTNAME, S_PORT, S_ADMIN, S_DEFN_NAME, S_DEFN_LINE, S_ERROR_FNAME,
    S_LOGLEVEL, S_IS_VIRTUAL, S_TIMEOUT, S_KEEP_ALIVE_TIMEOUT,
    S_KEEP_ALIVE_MAX, S_KEEP_ALIVE, S_PATH, S_NAMES, S_WILD_NAMES,
    S_LIMIT_REQ_LINE, S_LIMIT_REQ_FIELDSIZE, S_LIMIT_REQ_FIELDS, S_SCHEME
} server_member;

static PyObject *server_get(mp_server *self, void *closure)
{
    server_rec *s = self->s;

    switch ((server_member)(apr_uintptr_t)closure) {
    case S_HOSTNAME:      return mp_str(s->server_hostname);
    case S_PORT:          return PyLong_FromLong(s->port);
    case S_ADMIN:         return mp_str(s->server_admin);
    case S_DEFN_NAME:     return mp_str(s->defn_name);
    case S_DEFN_LINE:     return PyLong_FromLong(s->defn_line_number);
    case S_ERROR_FNAME:   return mp_str(s->error_fname);
    case S_LOGLEVEL:      return PyLong_FromLong(s->log.level);
    case S_IS_VIRTUAL:    return PyBool_FromLong(s->is_virtual);
    case S_TIMEOUT:
        return PyFloat_FromDouble((double)s->timeout / APR_USEC_PER_SEC);
    case S_KEEP_ALIVE_TIMEOUT:
        return PyFloat_FromDouble((double)s->keep_alive_timeout
                                  / APR_USEC_PER_SEC);
    case S_KEEP_ALIVE_MAX: return PyLong_FromLong(s->keep_alive_max);
    case S_KEEP_ALIVE:    return PyBool_FromLong(s->keep_alive);
    case S_PATH:          return mp_str(s->path);
    case S_NAMES:         return names_tuple(s->names);
    case S_WILD_NAMES:    return names_tuple(s->wild_names);
    case S_LIMIT_REQ_LINE: return PyLong_FromLong(s->limit_req_line);
    case S_LIMIT_REQ_FIELDSIZE: return PyLong_FromLong(s->limit_req_fieldsize);
    case S_LIMIT_REQ_FIELDS: return PyLong_FromLong(s->limit_req_fields);
    case S_SCHEME:        return mp_str(s->server_scheme);
    }
    Py_RETURN_NONE;
}

#define SERVER_MEMBER(name, id, doc) \
    {name, (getter)server_get, NULL, doc, (void *)(id)}

static PyGetSetDef server_getset[] = {
    SERVER_MEMBER("server_hostname", S_HOSTNAME, "ServerName"),
    SERVER_MEMBER("port", S_PORT, "port of ServerName"),
    SERVER_MEMBER("server_admin", S_ADMIN, "ServerAdmin"),
    SERVER_MEMBER("defn_name", S_DEFN_NAME, "file where the server is defined"),
    SERVER_MEMBER("defn_line_number", S_DEFN_LINE, "line of that definition"),
    SERVER_MEMBER("error_fname", S_ERROR_FNAME, "ErrorLog file name"),
    SERVER_MEMBER("loglevel", S_LOGLEVEL, "LogLevel"),
    SERVER_MEMBER("is_virtual", S_IS_VIRTUAL, "true for a virtual host"),
    SERVER_MEMBER("timeout", S_TIMEOUT, "Timeout, in seconds"),
    SERVER_MEMBER("keep_alive_timeout", S_KEEP_ALIVE_TIMEOUT,
                  "KeepAliveTimeout, in seconds"),
    SERVER_MEMBER("keep_alive_max", S_KEEP_ALIVE_MAX, "MaxKeepAliveRequests"),
    SERVER_MEMBER("keep_alive", S_KEEP_ALIVE, "KeepAlive"),
    SERVER_MEMBER("path", S_PATH, "ServerPath"),
    SERVER_MEMBER("names", S_NAMES, "ServerAlias names"),
    SERVER_MEMBER("wild_names", S_WILD_NAMES, "wildcard ServerAlias names"),
    SERVER_MEMBER("limit_req_line", S_LIMIT_REQ_LINE, "LimitRequestLine"),
    SERVER_MEMBER("limit_req_fieldsize", S_LIMIT_REQ_FIELDSIZE,
                  "LimitRequestFieldSize"),
    SERVER_MEMBER("limit_req_fields", S_LIMIT_REQ_FIELDS, "LimitRequestFields"),
    SERVER_MEMBER("server_scheme", S_SCHEME, "scheme of ServerName, if given"),
    {NULL}
};

static PyObject *server_log_error(mp_server *self, PyObject *args)
{
    const char *message;
    int level = APLOG_ERR;

    if (!PyArg_ParseTuple(args, "s|i:log_error", &message, &level)) {
        return NULL;
    }
    ap_log_error(APLOG_MARK, level & APLOG_LEVELMASK, 0, self->s, "%s",
                 message);
    Py_RETURN_NONE;
}

static PyMethodDef server_methods[] = {
    {"log_error", (PyCFunction)server_log_error, METH_VARARGS,
     "log_error(message[, level]): write to this server's error log"},
    {NULL}
};

PyTypeObject mp_server_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mp_server",
    .tp_basicsize = sizeof(mp_server),
    .tp_dealloc = (destructor)server_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "the server object (req.server)",
    .tp_methods = server_methods,
    .tp_getset = server_getset,
};
