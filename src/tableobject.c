/*
 * tableobject.c - mp_table, a Python mapping over an apr_table_t.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Keys are case-insensitive, duplicates are allowed (add()), and a
 * subscript of a duplicated key returns a list.  A table of a request is a
 * live view: writing it writes the request's table.  Such a table keeps
 * its owner (the request object) alive and refuses access once the
 * request is over.  Keys and values are str (UTF-8, surrogateescape).
 */
#include "mod_python.h"

typedef struct {
    PyObject_HEAD
    apr_table_t *table;
    apr_pool_t *pool;       /* for copies of keys and values */
    int owns_pool;          /* standalone table: destroy pool with it */
    PyObject *owner;        /* request or connection object, or NULL */
} mp_table;

static int table_usable(mp_table *self)
{
    if (self->owner != NULL && !mp_owner_alive(self->owner)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this table belongs to a request or connection "
                        "that is over");
        return 0;
    }
    return 1;
}

static apr_pool_t *table_pool(mp_table *self)
{
    return self->pool;
}

PyObject *mp_table_wrap(apr_table_t *t, apr_pool_t *pool, PyObject *owner)
{
    mp_state *state = mp_state_get();
    mp_table *self;

    if (state == NULL) {
        return NULL;
    }
    self = PyObject_New(mp_table, state->table_type);
    if (self == NULL) {
        return NULL;
    }
    self->table = t;
    self->pool = pool;
    self->owns_pool = 0;
    self->owner = Py_XNewRef(owner);
    return (PyObject *)self;
}

/* A new empty table of type (the table type or a Python subclass of it,
 * as 3.5 allowed: class mytable(apache.table)) with a pool of its own. */
static PyObject *table_alloc_empty(PyTypeObject *type)
{
    mp_table *self = (mp_table *)type->tp_alloc(type, 0);

    if (self == NULL) {
        return NULL;
    }
    self->owner = NULL;
    self->table = NULL;
    self->owns_pool = 1;
    if (apr_pool_create(&self->pool, NULL) != APR_SUCCESS) {
        self->pool = NULL;
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->table = apr_table_make(self->pool, 8);
    return (PyObject *)self;
}

PyObject *mp_table_new_empty(void)
{
    mp_state *state = mp_state_get();

    return state != NULL ? table_alloc_empty(state->table_type) : NULL;
}

apr_table_t *mp_table_get(PyObject *obj)
{
    if (!mp_type_check(obj, MP_TYPE_TABLE)) {
        PyErr_SetString(PyExc_TypeError, "expected an mp_table");
        return NULL;
    }
    if (!table_usable((mp_table *)obj)) {
        return NULL;
    }
    return ((mp_table *)obj)->table;
}

static void table_dealloc(mp_table *self)
{
    PyTypeObject *type = Py_TYPE(self);

    Py_XDECREF(self->owner);
    if (self->owns_pool && self->pool != NULL) {
        apr_pool_destroy(self->pool);
    }
    /* a subclass's own tp_free; every instance holds a reference to its
     * (heap) type, which the dealloc of a heap base type releases, also
     * for a Python subclass (subtype_dealloc leaves it to us) */
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static int check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min,
                       Py_ssize_t max)
{
    if (nargs < min || nargs > max) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd to %zd arguments "
                     "(%zd given)", name, min, max, nargs);
        return 0;
    }
    return 1;
}

static int check_key_type(PyObject *key)
{
    if (!PyUnicode_Check(key) && !PyBytes_Check(key)) {
        PyErr_Format(PyExc_TypeError, "table keys must be str, not %.100s",
                     Py_TYPE(key)->tp_name);
        return 0;
    }
    return 1;
}

/* key copied into the table's pool: for keys the table keeps (set, add). */
static const char *table_key(mp_table *self, PyObject *key)
{
    if (!check_key_type(key)) {
        return NULL;
    }
    return mp_pstr_from_object(table_pool(self), key, "table key");
}

/* key's bytes for a lookup, a new reference (NULL on error): reads and
 * deletes use it without copying into the pool, so no number of them
 * grows a long-lived table's pool. */
static PyObject *lookup_key(PyObject *key)
{
    return check_key_type(key) ? mp_text_bytes(key, "table key") : NULL;
}

/* All values of key: NULL and KeyError(key_obj) when absent. */
static PyObject *table_lookup(mp_table *self, const char *key,
                              PyObject *key_obj)
{
    const apr_array_header_t *arr = apr_table_elts(self->table);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    PyObject *first = NULL, *list = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        PyObject *v;

        if (e[i].key == NULL || strcasecmp(e[i].key, key) != 0) {
            continue;
        }
        v = mp_str_or_empty(e[i].val);
        if (v == NULL) {
            goto error;
        }
        if (first == NULL) {
            first = v;
            continue;
        }
        if (list == NULL) {
            list = PyList_New(1);
            if (list == NULL) {
                Py_DECREF(v);
                goto error;
            }
            PyList_SET_ITEM(list, 0, first);
            first = NULL;
        }
        if (PyList_Append(list, v) != 0) {
            Py_DECREF(v);
            goto error;
        }
        Py_DECREF(v);
    }
    if (list != NULL) {
        return list;
    }
    if (first == NULL) {
        PyErr_SetObject(PyExc_KeyError, key_obj);
    }
    return first;

error:
    Py_XDECREF(first);
    Py_XDECREF(list);
    return NULL;
}

static PyObject *table_subscript(mp_table *self, PyObject *key)
{
    PyObject *k, *result;

    if (!table_usable(self) || (k = lookup_key(key)) == NULL) {
        return NULL;
    }
    result = table_lookup(self, PyBytes_AS_STRING(k), key);
    Py_DECREF(k);
    return result;
}

static int table_delete(mp_table *self, PyObject *key)
{
    PyObject *k = lookup_key(key);
    int found;

    if (k == NULL) {
        return -1;
    }
    found = apr_table_get(self->table, PyBytes_AS_STRING(k)) != NULL;
    if (found) {
        apr_table_unset(self->table, PyBytes_AS_STRING(k));
    }
    else {
        PyErr_SetObject(PyExc_KeyError, key);
    }
    Py_DECREF(k);
    return found ? 0 : -1;
}

static int table_ass_subscript(mp_table *self, PyObject *key, PyObject *value)
{
    const char *k, *v;

    if (!table_usable(self)) {
        return -1;
    }
    if (value == NULL) {
        return table_delete(self, key);
    }
    if ((k = table_key(self, key)) == NULL) {
        return -1;
    }
    v = mp_pstr_from_object(table_pool(self), value, "table value");
    if (v == NULL) {
        return -1;
    }
    apr_table_setn(self->table, k, v);
    return 0;
}

static Py_ssize_t table_length(mp_table *self)
{
    if (!table_usable(self)) {
        return -1;
    }
    return apr_table_elts(self->table)->nelts;
}

static int table_contains(mp_table *self, PyObject *key)
{
    PyObject *k;
    int found;

    if (!PyUnicode_Check(key) && !PyBytes_Check(key)) {
        return table_usable(self) ? 0 : -1;
    }
    if (!table_usable(self) || (k = lookup_key(key)) == NULL) {
        return -1;
    }
    found = apr_table_get(self->table, PyBytes_AS_STRING(k)) != NULL;
    Py_DECREF(k);
    return found;
}

/* what: 0 keys, 1 values, 2 items */
static PyObject *table_list(mp_table *self, int what)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    PyObject *list;
    int i;

    if (!table_usable(self)) {
        return NULL;
    }
    arr = apr_table_elts(self->table);
    e = (const apr_table_entry_t *)arr->elts;
    list = PyList_New(arr->nelts);
    if (list == NULL) {
        return NULL;
    }
    for (i = 0; i < arr->nelts; i++) {
        PyObject *item;

        if (what == 0) {
            item = mp_str_or_empty(e[i].key);
        }
        else if (what == 1) {
            item = mp_str_or_empty(e[i].val);
        }
        else {
            PyObject *k = mp_str_or_empty(e[i].key);
            PyObject *v = mp_str_or_empty(e[i].val);
            item = (k && v) ? PyTuple_Pack(2, k, v) : NULL;
            Py_XDECREF(k);
            Py_XDECREF(v);
        }
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *table_keys(mp_table *self, PyObject *unused)
{
    (void)unused;
    return table_list(self, 0);
}

static PyObject *table_values(mp_table *self, PyObject *unused)
{
    (void)unused;
    return table_list(self, 1);
}

static PyObject *table_items(mp_table *self, PyObject *unused)
{
    (void)unused;
    return table_list(self, 2);
}

static PyObject *table_iter(mp_table *self)
{
    PyObject *keys = table_list(self, 0), *it;

    if (keys == NULL) {
        return NULL;
    }
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *table_get(mp_table *self, PyObject *const *args,
                           Py_ssize_t nargs)
{
    PyObject *result;

    if (!check_nargs("get", nargs, 1, 2)) {
        return NULL;
    }
    result = table_subscript(self, args[0]);
    if (result == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        return Py_NewRef(nargs > 1 ? args[1] : Py_None);
    }
    return result;
}

static PyObject *table_setdefault(mp_table *self, PyObject *const *args,
                                  Py_ssize_t nargs)
{
    PyObject *result, *dflt;

    if (!check_nargs("setdefault", nargs, 1, 2)) {
        return NULL;
    }
    result = table_subscript(self, args[0]);
    if (result != NULL || !PyErr_ExceptionMatches(PyExc_KeyError)) {
        return result;
    }
    PyErr_Clear();
    dflt = nargs > 1 ? args[1] : NULL;
    if (dflt == NULL) {
        dflt = PyUnicode_FromString("");
        if (dflt == NULL) {
            return NULL;
        }
    }
    else {
        Py_INCREF(dflt);
    }
    if (table_ass_subscript(self, args[0], dflt) != 0) {
        Py_DECREF(dflt);
        return NULL;
    }
    return dflt;
}

static PyObject *table_add(mp_table *self, PyObject *const *args,
                           Py_ssize_t nargs)
{
    const char *k, *v;

    if (!check_nargs("add", nargs, 2, 2) || !table_usable(self)) {
        return NULL;
    }
    if ((k = table_key(self, args[0])) == NULL
        || (v = mp_pstr_from_object(table_pool(self), args[1],
                                    "table value")) == NULL) {
        return NULL;
    }
    apr_table_addn(self->table, k, v);
    Py_RETURN_NONE;
}

/* update(mapping or sequence of pairs, **kwargs) */
/* [(key, source[key]) for key in source.keys()]: any object with keys()
 * and item access, as dict.update() takes (not only those with items()). */
static PyObject *keyed_pairs(PyObject *source)
{
    PyObject *keys = PyObject_CallMethod(source, "keys", NULL);
    PyObject *it, *key, *pairs;

    if (keys == NULL) {
        return NULL;
    }
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    if (it == NULL || (pairs = PyList_New(0)) == NULL) {
        Py_XDECREF(it);
        return NULL;
    }
    while ((key = PyIter_Next(it)) != NULL) {
        PyObject *value = PyObject_GetItem(source, key);
        PyObject *pair = value ? PyTuple_Pack(2, key, value) : NULL;

        Py_DECREF(key);
        Py_XDECREF(value);
        if (pair == NULL || PyList_Append(pairs, pair) != 0) {
            Py_XDECREF(pair);
            break;
        }
        Py_DECREF(pair);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        Py_DECREF(pairs);
        return NULL;
    }
    return pairs;
}

/* str(item) unless it is str or bytes (a new reference). */
static PyObject *text_of(PyObject *item)
{
    if (PyUnicode_Check(item) || PyBytes_Check(item)) {
        return Py_NewRef(item);
    }
    return PyObject_Str(item);
}

/* One pair of update() or of the constructor: keys and values that are
 * not text are stored as str() of them, as 3.5 does ({1: 1}). */
static int merge_pair(mp_table *self, PyObject *key, PyObject *value)
{
    PyObject *k = text_of(key), *v = k ? text_of(value) : NULL;
    int rc = -1;

    if (v != NULL) {
        rc = table_ass_subscript(self, k, v);
    }
    Py_XDECREF(k);
    Py_XDECREF(v);
    return rc;
}

static int table_merge(mp_table *self, PyObject *source)
{
    PyObject *items, *it, *pair;
    int rc = 0;

    if (mp_type_check(source, MP_TYPE_TABLE)) {
        items = table_list((mp_table *)source, 2);
    }
    else if (PyDict_Check(source)) {
        items = PyDict_Items(source);
    }
    else if (PyObject_HasAttrString(source, "keys")) {
        items = keyed_pairs(source);
    }
    else {
        items = Py_NewRef(source);
    }
    if (items == NULL) {
        return -1;
    }
    it = PyObject_GetIter(items);
    Py_DECREF(items);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            /* neither a mapping nor pairs: 3.5's error (update(None)) */
            PyErr_Format(PyExc_AttributeError, "'%.100s' object has no "
                         "attribute 'keys'", Py_TYPE(source)->tp_name);
        }
        return -1;
    }
    while (rc == 0 && (pair = PyIter_Next(it)) != NULL) {
        PyObject *seq = PySequence_Fast(pair, "table update needs pairs");
        if (seq == NULL || PySequence_Fast_GET_SIZE(seq) != 2) {
            if (seq != NULL) {
                PyErr_SetString(PyExc_ValueError,
                                "table update needs (key, value) pairs");
            }
            rc = -1;
        }
        else {
            rc = merge_pair(self, PySequence_Fast_GET_ITEM(seq, 0),
                            PySequence_Fast_GET_ITEM(seq, 1));
        }
        Py_XDECREF(seq);
        Py_DECREF(pair);
    }
    Py_DECREF(it);
    return (rc == 0 && PyErr_Occurred()) ? -1 : rc;
}

static PyObject *table_update(mp_table *self, PyObject *args, PyObject *kwargs)
{
    PyObject *source = NULL;

    if (!PyArg_UnpackTuple(args, "update", 0, 1, &source)
        || !table_usable(self)) {
        return NULL;
    }
    if (source != NULL && table_merge(self, source) != 0) {
        return NULL;
    }
    if (kwargs != NULL && table_merge(self, kwargs) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *table_copy(mp_table *self, PyObject *unused)
{
    (void)unused;
    if (!table_usable(self)) {
        return NULL;
    }
    return mp_table_copy_of(self->table);
}

static PyObject *table_clear(mp_table *self, PyObject *unused)
{
    (void)unused;
    if (!table_usable(self)) {
        return NULL;
    }
    apr_table_clear(self->table);
    Py_RETURN_NONE;
}

static PyObject *table_pop(mp_table *self, PyObject *const *args,
                           Py_ssize_t nargs)
{
    PyObject *result;

    if (!check_nargs("pop", nargs, 1, 2)) {
        return NULL;
    }
    result = table_subscript(self, args[0]);
    if (result == NULL) {
        if (nargs > 1 && PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            return Py_NewRef(args[1]);
        }
        return NULL;
    }
    if (table_ass_subscript(self, args[0], NULL) != 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* key as str with ASCII letters lowered, the way apr compares keys */
static PyObject *fold_key(const char *key)
{
    char *folded = strdup(key), *p;
    PyObject *result;

    if (folded == NULL) {
        return PyErr_NoMemory();
    }
    for (p = folded; *p; p++) {
        *p = apr_tolower(*p);
    }
    result = mp_str(folded);
    free(folded);
    return result;
}

/* Add value under key in dict; a second value makes a list. */
static int dict_add_value(PyObject *dict, PyObject *key, PyObject *value)
{
    PyObject *old = PyDict_GetItemWithError(dict, key), *list;
    int rc;

    if (old == NULL) {
        return PyErr_Occurred() ? -1 : PyDict_SetItem(dict, key, value);
    }
    if (PyList_CheckExact(old)) {
        return PyList_Append(old, value);
    }
    list = PyList_New(2);
    if (list == NULL) {
        return -1;
    }
    PyList_SET_ITEM(list, 0, Py_NewRef(old));
    PyList_SET_ITEM(list, 1, Py_NewRef(value));
    rc = PyDict_SetItem(dict, key, list);
    Py_DECREF(list);
    return rc;
}

/* The table as a dict, duplicated keys giving lists (as a subscript
 * does).  fold: keys case-folded; otherwise each key as first written. */
static PyObject *table_as_dict(mp_table *self, int fold)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    PyObject *dict, *spelling = NULL, *result = NULL;
    int i;

    if (!table_usable(self) || (dict = PyDict_New()) == NULL) {
        return NULL;
    }
    if (!fold && (spelling = PyDict_New()) == NULL) {
        goto done;
    }
    arr = apr_table_elts(self->table);
    e = (const apr_table_entry_t *)arr->elts;
    for (i = 0; i < arr->nelts; i++) {
        PyObject *key = fold_key(e[i].key ? e[i].key : "");
        PyObject *value = mp_str_or_empty(e[i].val);
        int rc = key && value ? dict_add_value(dict, key, value) : -1;

        if (rc == 0 && spelling != NULL
            && PyDict_GetItemWithError(spelling, key) == NULL) {
            PyObject *first = PyErr_Occurred() ? NULL : mp_str_or_empty(e[i].key);
            rc = first ? PyDict_SetItem(spelling, key, first) : -1;
            Py_XDECREF(first);
        }
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (rc != 0) {
            goto done;
        }
    }
    if (spelling == NULL) {
        result = Py_NewRef(dict);
    }
    else {
        PyObject *key, *value;
        Py_ssize_t pos = 0;

        result = PyDict_New();
        while (result && PyDict_Next(dict, &pos, &key, &value)) {
            if (PyDict_SetItem(result, PyDict_GetItem(spelling, key),
                               value) != 0) {
                Py_CLEAR(result);
            }
        }
    }

done:
    Py_DECREF(dict);
    Py_XDECREF(spelling);
    return result;
}

/* A mapping (or table) as a dict with case-folded keys. */
static PyObject *mapping_as_folded_dict(PyObject *other)
{
    PyObject *items, *it, *pair, *dict;

    if (mp_type_check(other, MP_TYPE_TABLE)) {
        return table_as_dict((mp_table *)other, 1);
    }
    items = PyMapping_Items(other);
    if (items == NULL) {
        return NULL;
    }
    it = PyObject_GetIter(items);
    Py_DECREF(items);
    dict = it ? PyDict_New() : NULL;
    while (dict != NULL && (pair = PyIter_Next(it)) != NULL) {
        PyObject *key = NULL, *bytes = NULL, *folded = NULL;

        if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2) {
            key = PyTuple_GET_ITEM(pair, 0);
        }
        else {
            PyErr_SetString(PyExc_TypeError, "items() must give pairs");
        }
        if (key != NULL && (bytes = mp_text_bytes(key, "table key")) != NULL) {
            folded = fold_key(PyBytes_AS_STRING(bytes));
        }
        if (folded == NULL || PyDict_SetItem(dict, folded,
                                             PyTuple_GET_ITEM(pair, 1)) != 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(folded);
        Py_XDECREF(bytes);
        Py_DECREF(pair);
    }
    Py_XDECREF(it);
    if (dict != NULL && PyErr_Occurred()) {
        Py_CLEAR(dict);
    }
    return dict;
}

/* table == mapping: same keys (case-insensitive), same values (a list
 * for a duplicated key).  Mappings whose keys are not all text are
 * simply unequal. */
static PyObject *table_richcompare(PyObject *a, PyObject *b, int op)
{
    PyObject *mine, *theirs, *result;

    if ((op != Py_EQ && op != Py_NE)
        || !(mp_type_check(b, MP_TYPE_TABLE) || PyDict_Check(b)
             || PyObject_HasAttrString(b, "keys"))) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    mine = table_as_dict((mp_table *)a, 1);
    if (mine == NULL) {
        return NULL;
    }
    theirs = mapping_as_folded_dict(b);
    if (theirs == NULL) {
        Py_DECREF(mine);
        if (!PyErr_ExceptionMatches(PyExc_TypeError)
            && !PyErr_ExceptionMatches(PyExc_ValueError)) {
            return NULL;
        }
        PyErr_Clear();
        return PyBool_FromLong(op == Py_NE);
    }
    result = PyObject_RichCompare(mine, theirs, op);
    Py_DECREF(mine);
    Py_DECREF(theirs);
    return result;
}

static PyObject *table_popitem(mp_table *self, PyObject *unused)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    apr_table_entry_t *keep;
    PyObject *pair;
    int i, last;

    (void)unused;
    if (!table_usable(self)) {
        return NULL;
    }
    arr = apr_table_elts(self->table);
    if (arr->nelts == 0) {
        PyErr_SetString(PyExc_KeyError, "popitem(): table is empty");
        return NULL;
    }
    e = (const apr_table_entry_t *)arr->elts;
    last = arr->nelts - 1;
    pair = Py_BuildValue("(NN)", mp_str_or_empty(e[last].key),
                         mp_str_or_empty(e[last].val));
    if (pair == NULL) {
        return NULL;
    }
    /* apr tables cannot remove one entry: rebuild without the last one,
     * in the same order (keys and values stay in their pool; the copy of
     * the entries is on the heap, so popping grows no pool) */
    keep = PyMem_Malloc((last > 0 ? last : 1) * sizeof(apr_table_entry_t));
    if (keep == NULL) {
        Py_DECREF(pair);
        return PyErr_NoMemory();
    }
    memcpy(keep, e, last * sizeof(apr_table_entry_t));
    apr_table_clear(self->table);
    for (i = 0; i < last; i++) {
        apr_table_addn(self->table, keep[i].key, keep[i].val);
    }
    PyMem_Free(keep);
    return pair;
}

static PyObject *table_repr(mp_table *self)
{
    PyObject *dict = table_as_dict(self, 0), *repr;

    if (dict == NULL) {
        return NULL;
    }
    repr = PyObject_Repr(dict);     /* like a dict, as in 3.5 */
    Py_DECREF(dict);
    return repr;
}

PyObject *mp_table_copy_of(const apr_table_t *t)
{
    mp_table *copy = (mp_table *)mp_table_new_empty();

    if (copy == NULL) {
        return NULL;
    }
    copy->table = apr_table_copy(copy->pool, t);
    return (PyObject *)copy;
}

PyObject *mp_table_copy_of_options(const apr_table_t *options)
{
    mp_table *copy = (mp_table *)mp_table_new_empty();

    if (copy == NULL) {
        return NULL;
    }
    copy->table = mp_visible_options(copy->pool, options);
    return (PyObject *)copy;
}

static PyObject *table_new(PyTypeObject *type, PyObject *args,
                           PyObject *kwargs)
{
    PyObject *self, *result;

    self = table_alloc_empty(type);
    if (self == NULL) {
        return NULL;
    }
    result = table_update((mp_table *)self, args, kwargs);
    if (result == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    Py_DECREF(result);
    return self;
}

static PyMethodDef table_methods[] = {
    {"keys", (PyCFunction)table_keys, METH_NOARGS, "all keys, duplicates included"},
    {"values", (PyCFunction)table_values, METH_NOARGS, "all values"},
    {"items", (PyCFunction)table_items, METH_NOARGS, "all (key, value) pairs"},
    {"get", (PyCFunction)(void (*)(void))table_get, METH_FASTCALL,
     "get(key[, default])"},
    {"setdefault", (PyCFunction)(void (*)(void))table_setdefault, METH_FASTCALL,
     "setdefault(key[, default])"},
    {"add", (PyCFunction)(void (*)(void))table_add, METH_FASTCALL,
     "add(key, value): add a value, keeping those already there"},
    {"update", (PyCFunction)(void (*)(void))table_update,
     METH_VARARGS | METH_KEYWORDS, "update(mapping or pairs, **kwargs)"},
    {"copy", (PyCFunction)table_copy, METH_NOARGS, "a new, independent table"},
    {"clear", (PyCFunction)table_clear, METH_NOARGS, "remove every entry"},
    {"pop", (PyCFunction)(void (*)(void))table_pop, METH_FASTCALL,
     "pop(key[, default]): remove key (every value of it), return its value"},
    {"popitem", (PyCFunction)table_popitem, METH_NOARGS,
     "remove and return the last (key, value) pair"},
    {NULL}
};

static PyType_Slot table_slots[] = {
    {Py_tp_dealloc, table_dealloc},
    {Py_tp_repr, table_repr},
    {Py_mp_length, table_length},
    {Py_mp_subscript, table_subscript},
    {Py_mp_ass_subscript, table_ass_subscript},
    {Py_sq_contains, table_contains},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_richcompare, table_richcompare},
    {Py_tp_doc, "table([mapping-or-sequence]): a case-insensitive mapping "
                "over an Apache table; duplicate keys allowed"},
    {Py_tp_iter, table_iter},
    {Py_tp_methods, table_methods},
    {Py_tp_new, table_new},
    {0, NULL}
};

/* BASETYPE: Python classes may derive from apache.table (as in 3.5);
 * IMMUTABLETYPE: its attributes cannot be replaced, as a static type's */
PyType_Spec mp_table_spec = {
    .name = "mp_table",
    .basicsize = sizeof(mp_table),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE
             | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = table_slots,
};
