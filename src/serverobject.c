/*
 * serverobject.c - mp_server, the Python view of a server_rec.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * server_rec lives as long as the configuration, i.e. as long as the
 * child process: no lifetime checks are needed.  Two server objects of the
 * same server_rec compare equal.
 */
#include "mod_python.h"
#include "util_cfgtree.h"
#include "scoreboard.h"
#include "unixd.h"

APLOG_USE_MODULE(python);

typedef struct {
    PyObject_HEAD
    server_rec *s;
} mp_server;

PyObject *mp_server_new(server_rec *s)
{
    mp_state *state;
    mp_server *self;

    if (s == NULL) {
        Py_RETURN_NONE;
    }
    state = mp_state_get();
    if (state == NULL) {
        return NULL;
    }
    self = PyObject_New(mp_server, state->server_type);
    if (self == NULL) {
        return NULL;
    }
    self->s = s;
    return (PyObject *)self;
}

server_rec *mp_server_rec(PyObject *obj)
{
    if (!mp_type_check(obj, MP_TYPE_SERVER)) {
        PyErr_Format(PyExc_TypeError, "expected a server object "
                     "(req.server), not %.100s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return ((mp_server *)obj)->s;
}

static void server_dealloc(mp_server *self)
{
    PyTypeObject *type = Py_TYPE(self);

    PyObject_Free(self);
    Py_DECREF(type);            /* a heap type: each instance holds it */
}

/* SendBufferSize is global and kept private by Apache 2.4: read it back
 * from the configuration tree (0: the system default). */
static long send_buffer_size(void)
{
    const ap_directive_t *d;
    long size = 0;

    for (d = ap_conftree; d != NULL; d = d->next) {
        if (d->directive && strcasecmp(d->directive, "SendBufferSize") == 0
            && d->args != NULL) {
            size = atol(d->args);
        }
    }
    return size;
}

static PyObject *seconds(apr_interval_time_t t)
{
    return PyFloat_FromDouble((double)t / APR_USEC_PER_SEC);
}

typedef enum {
    S_HOSTNAME, S_PORT, S_ADMIN, S_DEFN_NAME, S_DEFN_LINE, S_ERROR_FNAME,
    S_LOGLEVEL, S_IS_VIRTUAL, S_TIMEOUT, S_KEEP_ALIVE_TIMEOUT,
    S_KEEP_ALIVE_MAX, S_KEEP_ALIVE, S_PATH, S_PATHLEN, S_NAMES, S_WILD_NAMES,
    S_LIMIT_REQ_LINE, S_LIMIT_REQ_FIELDSIZE, S_LIMIT_REQ_FIELDS, S_SCHEME,
    S_SRM_CONFNAME, S_SEND_BUFFER_SIZE, S_UID, S_GID, S_NEXT, S_GENERATION,
    S_RESTART_TIME
} server_member;

static PyObject *server_get(mp_server *self, void *closure)
{
    server_rec *s = self->s;
    int generation = 0;

    switch ((server_member)(apr_uintptr_t)closure) {
    case S_HOSTNAME:      return mp_str(s->server_hostname);
    case S_PORT:          return PyLong_FromLong(s->port);
    case S_ADMIN:         return mp_str(s->server_admin);
    case S_DEFN_NAME:     return mp_str(s->defn_name);
    case S_DEFN_LINE:     return PyLong_FromLong(s->defn_line_number);
    case S_ERROR_FNAME:   return mp_str(s->error_fname);
    case S_LOGLEVEL:      return PyLong_FromLong(s->log.level);
    case S_IS_VIRTUAL:    return PyBool_FromLong(s->is_virtual);
    case S_TIMEOUT:       return seconds(s->timeout);
    case S_KEEP_ALIVE_TIMEOUT: return seconds(s->keep_alive_timeout);
    case S_KEEP_ALIVE_MAX: return PyLong_FromLong(s->keep_alive_max);
    case S_KEEP_ALIVE:    return PyBool_FromLong(s->keep_alive);
    case S_PATH:          return mp_str(s->path);
    case S_PATHLEN:       return PyLong_FromLong(s->pathlen);
    case S_NAMES:         return mp_str_tuple(s->names);
    case S_WILD_NAMES:    return mp_str_tuple(s->wild_names);
    case S_LIMIT_REQ_LINE: return PyLong_FromLong(s->limit_req_line);
    case S_LIMIT_REQ_FIELDSIZE: return PyLong_FromLong(s->limit_req_fieldsize);
    case S_LIMIT_REQ_FIELDS: return PyLong_FromLong(s->limit_req_fields);
    case S_SCHEME:        return mp_str(s->server_scheme);
    case S_SRM_CONFNAME:  Py_RETURN_NONE;   /* gone since Apache 1.3 */
    case S_SEND_BUFFER_SIZE: return PyLong_FromLong(send_buffer_size());
    case S_UID:           return PyLong_FromLong((long)ap_unixd_config.user_id);
    case S_GID:           return PyLong_FromLong((long)ap_unixd_config.group_id);
    case S_NEXT:          return mp_server_new(s->next);
    case S_GENERATION:
        if (ap_mpm_query(AP_MPMQ_GENERATION, &generation) != APR_SUCCESS) {
            Py_RETURN_NONE;
        }
        return PyLong_FromLong(generation);
    case S_RESTART_TIME:
        if (ap_scoreboard_image == NULL || ap_scoreboard_image->global == NULL) {
            Py_RETURN_NONE;
        }
        return seconds(ap_scoreboard_image->global->restart_time);
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
    SERVER_MEMBER("loglevel", S_LOGLEVEL, "LogLevel (apache.APLOG_*)"),
    SERVER_MEMBER("is_virtual", S_IS_VIRTUAL, "true for a virtual host"),
    SERVER_MEMBER("timeout", S_TIMEOUT, "Timeout, in seconds"),
    SERVER_MEMBER("keep_alive_timeout", S_KEEP_ALIVE_TIMEOUT,
                  "KeepAliveTimeout, in seconds"),
    SERVER_MEMBER("keep_alive_max", S_KEEP_ALIVE_MAX, "MaxKeepAliveRequests"),
    SERVER_MEMBER("keep_alive", S_KEEP_ALIVE, "KeepAlive"),
    SERVER_MEMBER("path", S_PATH, "ServerPath"),
    SERVER_MEMBER("pathlen", S_PATHLEN, "length of ServerPath"),
    SERVER_MEMBER("names", S_NAMES, "ServerAlias names"),
    SERVER_MEMBER("wild_names", S_WILD_NAMES, "wildcard ServerAlias names"),
    SERVER_MEMBER("limit_req_line", S_LIMIT_REQ_LINE, "LimitRequestLine"),
    SERVER_MEMBER("limit_req_fieldsize", S_LIMIT_REQ_FIELDSIZE,
                  "LimitRequestFieldSize"),
    SERVER_MEMBER("limit_req_fields", S_LIMIT_REQ_FIELDS, "LimitRequestFields"),
    SERVER_MEMBER("server_scheme", S_SCHEME, "scheme of ServerName, if given"),
    SERVER_MEMBER("srm_confname", S_SRM_CONFNAME,
                  "None: Apache 2 has no srm.conf"),
    SERVER_MEMBER("send_buffer_size", S_SEND_BUFFER_SIZE,
                  "SendBufferSize (0: the system default)"),
    SERVER_MEMBER("server_uid", S_UID, "uid the children run as (User)"),
    SERVER_MEMBER("server_gid", S_GID, "gid the children run as (Group)"),
    SERVER_MEMBER("next", S_NEXT, "the next server in the configuration"),
    SERVER_MEMBER("my_generation", S_GENERATION,
                  "generation of this child (graceful restarts so far)"),
    SERVER_MEMBER("restart_time", S_RESTART_TIME,
                  "time of the last (re)start, seconds since the epoch"),
    {NULL}
};

static PyObject *server_log_error(mp_server *self, PyObject *args)
{
    PyObject *message;
    int level;

    if (!mp_log_args(args, &message, &level)) {
        return NULL;
    }
    ap_log_error(APLOG_MARK, level, 0, self->s, "%s",
                 PyBytes_AS_STRING(message));
    Py_DECREF(message);
    Py_RETURN_NONE;
}

/* The server-level mod_python configuration (outside any section). */
static mp_dir_config *server_dir_config(mp_server *self)
{
    return ap_get_module_config(self->s->lookup_defaults, &python_module);
}

/* The PythonOption table of this server, as 3.5 gives it: the same
 * table on every call, so what a handler (or a PythonImport function)
 * stores in it is seen by later calls.  3.5 shares that table in the
 * whole process; here each interpreter has its own copy, made on first
 * use, so nothing is written to the configuration's memory. */
static PyObject *server_get_options(mp_server *self, PyObject *unused)
{
    PyObject *interp_dict, *cache, *key, *table;

    (void)unused;
    interp_dict = PyInterpreterState_GetDict(PyInterpreterState_Get());
    if (interp_dict == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "no interpreter state dict");
        return NULL;
    }
    cache = PyDict_GetItemString(interp_dict, "mod_python.server_options");
    if (cache == NULL) {
        cache = PyDict_New();
        if (cache == NULL) {
            return NULL;
        }
        if (PyDict_SetItemString(interp_dict, "mod_python.server_options",
                                 cache) != 0) {
            Py_DECREF(cache);
            return NULL;
        }
        Py_DECREF(cache);   /* interp_dict holds it */
    }
    key = PyLong_FromVoidPtr(self->s);
    if (key == NULL) {
        return NULL;
    }
    table = PyDict_GetItemWithError(cache, key);
    if (table != NULL || PyErr_Occurred()) {
        Py_DECREF(key);
        return Py_XNewRef(table);
    }
    table = mp_table_copy_of_options(server_dir_config(self)->options);
    if (table != NULL && PyDict_SetItem(cache, key, table) != 0) {
        Py_CLEAR(table);
    }
    Py_DECREF(key);
    return table;
}

static PyObject *server_get_config(mp_server *self, PyObject *unused)
{
    (void)unused;
    return mp_table_copy_of(server_dir_config(self)->directives);
}

/* register_cleanup(req, callable[, data]): call callable(data) when the
 * child process exits (apache._exit_callbacks, run by _child_exit). */
static PyObject *server_register_cleanup(mp_server *self, PyObject *args)
{
    PyObject *req, *callable, *data = Py_None, *apache, *callbacks, *pair;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "OO|O:register_cleanup", &req, &callable,
                          &data)) {
        return NULL;
    }
    if (!mp_type_check(req, MP_TYPE_REQUEST)) {
        PyErr_SetString(PyExc_TypeError, "register_cleanup: the first "
                        "argument must be the request object");
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_TypeError, "register_cleanup: the second "
                        "argument must be callable");
        return NULL;
    }
    apache = PyImport_ImportModule("mod_python.apache");
    if (apache == NULL) {
        return NULL;
    }
    callbacks = PyObject_GetAttrString(apache, "_exit_callbacks");
    Py_DECREF(apache);
    if (callbacks == NULL) {
        return NULL;
    }
    pair = PyTuple_Pack(2, callable, data);
    if (pair == NULL) {
        Py_DECREF(callbacks);
        return NULL;
    }
    rc = PyList_Check(callbacks) ? PyList_Append(callbacks, pair) : -1;
    if (rc != 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "apache._exit_callbacks is not a list");
    }
    Py_DECREF(pair);
    Py_DECREF(callbacks);
    if (rc != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef server_methods[] = {
    {"log_error", (PyCFunction)server_log_error, METH_VARARGS,
     "log_error(message[, level]): write to this server's error log"},
    {"get_options", (PyCFunction)server_get_options, METH_NOARGS,
     "table of the PythonOption settings at server level"},
    {"get_config", (PyCFunction)server_get_config, METH_NOARGS,
     "table of the mod_python directives at server level"},
    {"register_cleanup", (PyCFunction)server_register_cleanup, METH_VARARGS,
     "register_cleanup(req, callable[, data]): call callable(data) when "
     "the child process exits"},
    {NULL}
};

static PyObject *server_richcompare(PyObject *a, PyObject *b, int op)
{
    int same;

    if (!mp_type_check(b, MP_TYPE_SERVER)
        || (op != Py_EQ && op != Py_NE)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    same = ((mp_server *)a)->s == ((mp_server *)b)->s;
    return PyBool_FromLong(op == Py_EQ ? same : !same);
}

static Py_hash_t server_hash(mp_server *self)
{
    Py_hash_t hash = (Py_hash_t)((apr_uintptr_t)self->s >> 4);

    return hash == -1 ? -2 : hash;
}

static PyObject *server_repr(mp_server *self)
{
    return PyUnicode_FromFormat("<mp_server %s:%d>",
                                self->s->server_hostname
                                ? self->s->server_hostname : "?",
                                (int)self->s->port);
}

static PyType_Slot server_slots[] = {
    {Py_tp_dealloc, server_dealloc},
    {Py_tp_repr, server_repr},
    {Py_tp_hash, server_hash},
    {Py_tp_richcompare, server_richcompare},
    {Py_tp_doc, "the server object (req.server)"},
    {Py_tp_methods, server_methods},
    {Py_tp_getset, server_getset},
    {0, NULL}
};

PyType_Spec mp_server_spec = {
    .name = "mp_server",
    .basicsize = sizeof(mp_server),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = server_slots,
};
