/*
 * dispatch.c - the request path's short way into a Python handler.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * apache._dispatch (Python) does everything a request-phase handler call
 * needs: PythonPath, finding and (re)loading the module, resolving
 * "module::object.path", the call, turning the result into a status,
 * errors.  Most of that is the same on every request.  Here, per
 * interpreter and configured handler, what apache._prepare() returned
 * (the module, the names to resolve, the file to watch) is kept, and
 * while it is still true the handler is called from C: set the logging
 * target, get the attributes, call, read an int.  Still true means: the
 * same PythonPath text; the module is the one sys.modules has under its
 * name (a handler module file: apache._generation has not moved, it moves
 * on every load, reload or forgetting of a module); with
 * PythonAutoReload, the watched file has the mtime it had (one stat(2),
 * instead of os.stat's result object); the handler's directory is still on
 * sys.path.  Anything else -- the first call, a changed file, a class on
 * the object path, a missing attribute, PythonEnablePdb, a handler added
 * by req.add_handler() -- goes through apache._prepare or apache._dispatch,
 * so what a handler sees does not depend on which way was taken.
 *
 * The cache belongs to the interpreter and is only touched with its GIL
 * held.  It is never emptied: it holds one entry per configured handler
 * (and phase) that ran in the interpreter, a number the configuration
 * bounds; a graceful restart starts new child processes.
 */
#include "mod_python.h"

#include <sys/stat.h>

APLOG_USE_MODULE(python);

typedef struct {
    const mp_handler *h;       /* key: configured handler (config memory) */
    int phase;                 /* key: phase index (MP_PHASE_COUNT: Init) */
    const char *python_path;   /* the PythonPath text it was prepared with */
    PyObject *module;
    PyObject *names;           /* tuple of str: the object path */
    PyObject *module_name;     /* sys.modules key, or NULL (a module file) */
    PyObject *directory;       /* sys.path entry of the handler's directory */
    char *watched;             /* file to stat with autoreload, or NULL */
    long long mtime_ns;
    long generation;           /* apache._generation when prepared */
} mp_prepared;

struct mp_handler_cache {
    size_t size;               /* a power of two */
    size_t used;
    mp_prepared *slots;        /* h == NULL: free */
};

static size_t slot_of(const mp_handler *h, int phase, size_t size)
{
    uintptr_t key = (uintptr_t)h ^ ((uintptr_t)phase << 3);

    key ^= key >> 17;
    key *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(key >> 7) & (size - 1);
}

static mp_prepared *cache_find(mp_handler_cache *cache, const mp_handler *h,
                               int phase)
{
    size_t i;

    if (cache == NULL) {
        return NULL;
    }
    for (i = slot_of(h, phase, cache->size);;
         i = (i + 1) & (cache->size - 1)) {
        mp_prepared *slot = &cache->slots[i];

        if (slot->h == NULL) {
            return NULL;
        }
        if (slot->h == h && slot->phase == phase) {
            return slot;
        }
    }
}

/* The slot for (h, phase), free or in use; NULL when out of memory. */
static mp_prepared *cache_slot(mp_interp *interp, const mp_handler *h,
                               int phase)
{
    mp_handler_cache *cache = interp->handler_cache;
    mp_prepared *slot;
    size_t i;

    if (cache == NULL) {
        cache = calloc(1, sizeof(*cache));
        if (cache == NULL) {
            return NULL;
        }
        cache->size = 16;
        cache->slots = calloc(cache->size, sizeof(mp_prepared));
        if (cache->slots == NULL) {
            free(cache);
            return NULL;
        }
        interp->handler_cache = cache;
    }
    slot = cache_find(cache, h, phase);
    if (slot != NULL) {
        return slot;
    }
    if ((cache->used + 1) * 4 > cache->size * 3) {
        size_t old_size = cache->size, size = old_size * 2;
        mp_prepared *old = cache->slots, *slots = calloc(size,
                                                         sizeof(mp_prepared));
        if (slots == NULL) {
            return NULL;
        }
        for (i = 0; i < old_size; i++) {
            if (old[i].h != NULL) {
                size_t j = slot_of(old[i].h, old[i].phase, size);

                while (slots[j].h != NULL) {
                    j = (j + 1) & (size - 1);
                }
                slots[j] = old[i];
            }
        }
        free(old);
        cache->slots = slots;
        cache->size = size;
    }
    for (i = slot_of(h, phase, cache->size); cache->slots[i].h != NULL;
         i = (i + 1) & (cache->size - 1)) {
    }
    cache->used++;
    slot = &cache->slots[i];
    slot->h = h;
    slot->phase = phase;
    return slot;
}

static void prepared_clear(mp_prepared *p)
{
    Py_CLEAR(p->module);
    Py_CLEAR(p->names);
    Py_CLEAR(p->module_name);
    Py_CLEAR(p->directory);
    free(p->watched);
    p->watched = NULL;
    p->python_path = NULL;
}

static long current_generation(mp_interp *interp)
{
    PyObject *value = PyDict_GetItemWithError(interp->apache_dict,
                                              interp->str_generation);

    return value != NULL && PyLong_CheckExact(value)
           ? PyLong_AsLong(value) : -1;
}

/* Is str entry in list?  Only exact str items are compared, so no Python
 * code runs (an item's __eq__ could release the GIL, and another thread
 * then change the cache slot the caller is reading). */
static int list_has_str(PyObject *list, PyObject *entry)
{
    Py_ssize_t i;

    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *item = PyList_GET_ITEM(list, i);

        if (item == entry || (PyUnicode_CheckExact(item)
                              && PyUnicode_Compare(item, entry) == 0)) {
            return 1;
        }
    }
    return 0;
}

/* Is what p holds still what apache._prepare() would return?  Runs no
 * Python code (see list_has_str): p stays valid throughout. */
static int prepared_valid(mp_interp *interp, const mp_prepared *p,
                          const char *python_path, int flags)
{
    PyObject *path;
    int found;

    if (p->module == NULL || p->python_path != python_path) {
        return 0;
    }
    if (p->module_name != NULL) {
        PyObject *modules = PyImport_GetModuleDict();
        if (PyDict_GetItemWithError(modules, p->module_name) != p->module) {
            PyErr_Clear();
            return 0;
        }
    }
    else if (current_generation(interp) != p->generation) {
        PyErr_Clear();
        return 0;
    }
    if (p->directory != NULL) {
        path = PyDict_GetItemWithError(interp->sys_dict, interp->str_path);
        found = path != NULL && PyList_Check(path)
                ? list_has_str(path, p->directory) : 0;
        if (!found) {
            PyErr_Clear();
            return 0;
        }
    }
    if ((flags & MP_FLAG_AUTORELOAD) && p->watched != NULL) {
        struct stat st;

        if (stat(p->watched, &st) != 0
            || (long long)st.st_mtim.tv_sec * 1000000000LL
               + st.st_mtim.tv_nsec != p->mtime_ns) {
            return 0;
        }
    }
    return 1;
}

/* Fill p from apache._prepare(): 0; -1 with the exception _prepare
 * raised (the handler's module could not be loaded: the request's
 * answer); -2 when what it returned cannot be kept (no exception set:
 * the caller takes the Python way). */
static int prepare(PyObject *prepare_fn, mp_prepared *p, PyObject *phase,
                   const mp_handler *h,
                   int flags, const char *python_path)
{
    PyObject *result, *watched, *bytes;

    result = mp_dispatch_args_call(prepare_fn, NULL, phase, h, flags,
                                   python_path);
    if (result == NULL) {
        return -1;
    }
    if (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 7
        || !PyTuple_Check(PyTuple_GET_ITEM(result, 1))) {
        Py_DECREF(result);
        return -2;
    }
    prepared_clear(p);
    watched = PyTuple_GET_ITEM(result, 3);
    if (watched != Py_None) {
        /* the file system's bytes, as os.stat would use (a name that is
         * not UTF-8 comes as surrogate escapes) */
        bytes = PyUnicode_Check(watched) ? PyUnicode_EncodeFSDefault(watched)
                                         : NULL;
        p->watched = bytes ? strdup(PyBytes_AS_STRING(bytes)) : NULL;
        Py_XDECREF(bytes);
        if (p->watched == NULL) {
            Py_DECREF(result);
            PyErr_Clear();
            return -2;
        }
    }
    p->mtime_ns = PyLong_AsLongLong(PyTuple_GET_ITEM(result, 4));
    p->generation = PyLong_AsLong(PyTuple_GET_ITEM(result, 5));
    if (PyErr_Occurred()) {
        prepared_clear(p);
        Py_DECREF(result);
        PyErr_Clear();
        return -2;
    }
    p->module = Py_NewRef(PyTuple_GET_ITEM(result, 0));
    p->names = Py_NewRef(PyTuple_GET_ITEM(result, 1));
    if (PyTuple_GET_ITEM(result, 2) != Py_None) {
        p->module_name = Py_NewRef(PyTuple_GET_ITEM(result, 2));
    }
    if (PyTuple_GET_ITEM(result, 6) != Py_None) {
        p->directory = Py_NewRef(PyTuple_GET_ITEM(result, 6));
    }
    p->python_path = python_path;
    Py_DECREF(result);
    return 0;
}

/* The pending exception, normalised, with its traceback; cleared. */
static PyObject *take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && tb != NULL) {
        (void)PyException_SetTraceback(value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

/* The status fn (apache._failed or apache._result) gives for value; a
 * failure of fn itself is logged as any dispatcher's (MP00003/MP00004). */
static long python_status(PyObject *fn, PyObject *req, PyObject *phase,
                          const mp_handler *h, int flags, PyObject *value)
{
    PyObject *args[5], *result = NULL;

    args[0] = req;
    args[1] = phase;
    args[2] = PyUnicode_FromString(h->handler);
    args[3] = PyLong_FromLong(flags);
    args[4] = value;
    if (args[2] != NULL && args[3] != NULL && value != NULL) {
        result = PyObject_Vectorcall(fn, args, 5, NULL);
    }
    Py_XDECREF(args[2]);
    Py_XDECREF(args[3]);
    return mp_dispatch_status(result, ((mp_request *)req)->r->server,
                              PyUnicode_AsUTF8(phase), h->handler);
}

/* The status for the exception being raised (apache._failed). */
static long failed(mp_interp *interp, PyObject *req, PyObject *phase,
                   const mp_handler *h, int flags)
{
    PyObject *exc = take_exception();
    long status = python_status(interp->failed, req, phase, h, flags, exc);

    Py_XDECREF(exc);
    return status;
}

/* Write out what the handler left of a partial stderr line, as the
 * logbridge.bridged wrapper does after apache._dispatch. */
static void flush_pending(mp_interp *interp)
{
    PyObject *text = PyObject_GetAttr(interp->log_pending, interp->str_text);
    PyObject *result;

    if (text != NULL && PyUnicode_Check(text) && PyUnicode_GET_LENGTH(text)) {
        result = PyObject_CallNoArgs(interp->log_flush);
        Py_XDECREF(result);
    }
    Py_XDECREF(text);
    if (PyErr_Occurred()) {
        PyErr_Clear();
    }
}

int mp_fast_dispatch(mp_interp *interp, PyObject *req, const mp_handler *h,
                     int phase_index, int flags, const char *python_path,
                     long *status)
{
    PyObject *phase = interp->phase_objs[phase_index];
    PyObject *token, *obj, *names, *result;
    mp_prepared *p;
    Py_ssize_t i, n;

    token = PyContextVar_Set(interp->log_target, req);
    if (token == NULL) {
        PyErr_Clear();
        return 0;
    }
    p = cache_find(interp->handler_cache, h, phase_index);
    if (p != NULL && prepared_valid(interp, p, python_path, flags)) {
        obj = Py_NewRef(p->module);
        names = Py_NewRef(p->names);
    }
    else {
        /* apache._prepare runs Python (imports): other threads may use
         * the cache meanwhile, so the slot is only looked up after it */
        mp_prepared fresh = {0}, old;

        switch (prepare(interp->prepare, &fresh, phase, h, flags,
                        python_path)) {
        case 0:
            break;
        case -1:
            *status = failed(interp, req, phase, h, flags);
            goto done;
        default:
            goto slow;
        }
        obj = Py_NewRef(fresh.module);
        names = Py_NewRef(fresh.names);
        p = cache_slot(interp, h, phase_index);
        if (p != NULL) {
            old = *p;
            fresh.h = p->h;
            fresh.phase = p->phase;
            *p = fresh;
            fresh = old;    /* released last: it may run Python code */
        }
        prepared_clear(&fresh);
    }
    n = PyTuple_GET_SIZE(names);
    for (i = 0; i < n; i++) {
        PyObject *next = PyObject_GetAttr(obj, PyTuple_GET_ITEM(names, i));

        Py_DECREF(obj);
        if (next == NULL) {
            Py_DECREF(names);
            if (h->silent && PyErr_ExceptionMatches(PyExc_AttributeError)) {
                PyErr_Clear();
                *status = MP_SKIPPED;
                goto done;
            }
            PyErr_Clear();      /* apache._dispatch says what is missing */
            goto slow;
        }
        if (PyType_Check(next)) {
            Py_DECREF(next);    /* instantiated per request: Python does it */
            Py_DECREF(names);
            goto slow;
        }
        obj = next;
    }
    Py_DECREF(names);
    result = PyObject_CallOneArg(obj, req);
    Py_DECREF(obj);
    if (result == NULL) {
        *status = failed(interp, req, phase, h, flags);
    }
    else if (PyLong_CheckExact(result)) {
        *status = PyLong_AsLong(result);
        Py_DECREF(result);
        if (*status == -1 && PyErr_Occurred()) {
            *status = failed(interp, req, phase, h, flags);
        }
    }
    else {
        *status = python_status(interp->result, req, phase, h, flags,
                                result);
        Py_DECREF(result);
    }

done:
    flush_pending(interp);
    if (PyContextVar_Reset(interp->log_target, token) != 0) {
        PyErr_Clear();
    }
    Py_DECREF(token);
    return 1;

slow:
    if (PyContextVar_Reset(interp->log_target, token) != 0) {
        PyErr_Clear();
    }
    Py_DECREF(token);
    return 0;
}
