/*
 * hlistobject.c - mp_hlist, req.hlist: the handlers of the running phase.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_python 3.5 shows the handler list of the phase being run as
 * req.hlist: .handler, .directory, .silent and .is_location describe the
 * handler running now, next() moves to the one after it, and past the
 * end every attribute is None.  Here req.hlist is a snapshot taken when
 * the attribute is read: the running handler, then those the phase will
 * still run (configured ones whose "| .ext" list allows the file, then
 * the ones req.add_handler() added so far).
 */
#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    PyObject *entries;      /* list of (handler, directory, silent, is_location) */
    Py_ssize_t position;
} mp_hlist;

enum { H_HANDLER, H_DIRECTORY, H_SILENT, H_IS_LOCATION };

static PyObject *entry_tuple(const mp_handler *h)
{
    PyObject *handler = PyUnicode_FromString(h->handler);
    PyObject *directory = h->directory ? mp_str(h->directory)
                                       : Py_NewRef(Py_None);
    PyObject *entry = NULL;

    if (handler != NULL && directory != NULL) {
        entry = Py_BuildValue("(OOii)", handler, directory, h->silent,
                              h->in_location);
    }
    Py_XDECREF(handler);
    Py_XDECREF(directory);
    return entry;
}

static int append_entry(PyObject *entries, const mp_handler *h)
{
    PyObject *entry = entry_tuple(h);
    int rc;

    if (entry == NULL) {
        return -1;
    }
    rc = PyList_Append(entries, entry);
    Py_DECREF(entry);
    return rc;
}

PyObject *mp_hlist_new(request_rec *r, mp_request_state *state)
{
    mp_state *mstate = mp_state_get();
    mp_hlist *self;
    mp_handler_cursor cursor;
    const mp_handler *h;

    if (mstate == NULL) {
        return NULL;
    }
    self = PyObject_New(mp_hlist, mstate->hlist_type);
    if (self == NULL) {
        return NULL;
    }
    self->position = 0;
    self->entries = PyList_New(0);
    if (self->entries == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    if (state == NULL || state->current_handler == NULL) {
        return (PyObject *)self;    /* no phase running: an empty list */
    }
    if (append_entry(self->entries, state->current_handler) != 0) {
        Py_DECREF(self);
        return NULL;
    }
    cursor = state->current_cursor;
    while ((h = mp_next_handler(r, state, state->current_phase, &cursor))
           != NULL) {
        if (append_entry(self->entries, h) != 0) {
            Py_DECREF(self);
            return NULL;
        }
    }
    return (PyObject *)self;
}

static void hlist_dealloc(mp_hlist *self)
{
    PyTypeObject *type = Py_TYPE(self);

    Py_XDECREF(self->entries);
    PyObject_Free(self);
    Py_DECREF(type);            /* a heap type: each instance holds it */
}

static PyObject *hlist_field(mp_hlist *self, void *closure)
{
    if (self->position >= PyList_GET_SIZE(self->entries)) {
        Py_RETURN_NONE;
    }
    return Py_NewRef(PyTuple_GET_ITEM(
        PyList_GET_ITEM(self->entries, self->position),
        (Py_ssize_t)(apr_uintptr_t)closure));
}

static PyObject *hlist_none(mp_hlist *self, void *closure)
{
    (void)self; (void)closure;
    Py_RETURN_NONE;
}

static PyObject *hlist_is_input(mp_hlist *self, void *closure)
{
    (void)closure;
    if (self->position >= PyList_GET_SIZE(self->entries)) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(0);  /* request handlers, never an input filter */
}

static PyObject *hlist_next(mp_hlist *self, PyObject *unused)
{
    (void)unused;
    if (self->position < PyList_GET_SIZE(self->entries)) {
        self->position++;
    }
    Py_RETURN_NONE;
}

static PyObject *hlist_repr(mp_hlist *self)
{
    PyObject *handler = hlist_field(self, (void *)H_HANDLER);
    PyObject *repr;

    if (handler == NULL) {
        return NULL;
    }
    repr = PyUnicode_FromFormat("<mp_hlist handler=%R, %zd more>", handler,
                                PyList_GET_SIZE(self->entries) > self->position
                                ? PyList_GET_SIZE(self->entries)
                                  - self->position - 1 : 0);
    Py_DECREF(handler);
    return repr;
}

#define FIELD(name, index, doc) \
    {name, (getter)hlist_field, NULL, doc, (void *)(apr_uintptr_t)(index)}

static PyGetSetDef hlist_getset[] = {
    FIELD("handler", H_HANDLER, "the handler text, module[::object]"),
    FIELD("directory", H_DIRECTORY, "the directory of the handler (with "
          "a trailing /), or None"),
    FIELD("silent", H_SILENT, "1 for PythonHandlerModule handlers"),
    FIELD("is_location", H_IS_LOCATION, "1 when set inside <Location>"),
    {"is_input", (getter)hlist_is_input, NULL, "0: not an input filter",
     NULL},
    {"parent", (getter)hlist_none, NULL, "always None (3.5 compatibility)",
     NULL},
    {NULL}
};

static PyMethodDef hlist_methods[] = {
    {"next", (PyCFunction)hlist_next, METH_NOARGS,
     "move to the next handler of the phase"},
    {NULL}
};

static PyType_Slot hlist_slots[] = {
    {Py_tp_dealloc, hlist_dealloc},
    {Py_tp_repr, hlist_repr},
    {Py_tp_doc, "req.hlist: the handlers of the phase being run"},
    {Py_tp_getset, hlist_getset},
    {Py_tp_methods, hlist_methods},
    {0, NULL}
};

PyType_Spec mp_hlist_spec = {
    .name = "mp_hlist",
    .basicsize = sizeof(mp_hlist),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = hlist_slots,
};
