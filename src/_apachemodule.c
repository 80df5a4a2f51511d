/*
 * _apachemodule.c - the built-in _apache module.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_python.apache is the public face; _apache holds what must be C:
 * the types and the calls into Apache.  The module uses multi-phase
 * initialisation so each interpreter gets its own module object.
 *
 * Also here: mp_finfo, the file information record of req.finfo and
 * apache.stat() (a struct sequence: FINFO_* indexes, 3.x attribute names,
 * and the st_* names of os.stat_result).
 */
#include "mod_python.h"
#include "util_cfgtree.h"

#include <sys/stat.h>

APLOG_USE_MODULE(python);

/* ------------------------------------------------------------ mp_finfo */

/* The first FINFO_SEQUENCE fields are the tuple of the old API (indexes
 * apache.FINFO_*); the others are attributes only. */
enum {
    FI_MODE, FI_INODE, FI_DEVICE, FI_NLINK, FI_USER, FI_GROUP, FI_SIZE,
    FI_ATIME, FI_MTIME, FI_CTIME, FI_FNAME, FI_NAME, FI_FILETYPE,
    FINFO_SEQUENCE,
    FI_PROTECTION = FINFO_SEQUENCE, FI_CSIZE, FI_VALID,
    FI_ST_MODE, FI_ST_INO, FI_ST_DEV, FI_ST_NLINK, FI_ST_UID, FI_ST_GID,
    FI_ST_SIZE, FI_ST_ATIME, FI_ST_MTIME, FI_ST_CTIME,
    FINFO_FIELDS
};

static PyStructSequence_Field finfo_fields[FINFO_FIELDS + 1] = {
    {"mode", "file type and permission bits, as os.stat's st_mode"},
    {"inode", "inode number"},
    {"device", "device"},
    {"nlink", "number of hard links"},
    {"user", "owner uid"},
    {"group", "owner gid"},
    {"size", "size in bytes"},
    {"atime", "last access (seconds since the epoch)"},
    {"mtime", "last modification (seconds since the epoch)"},
    {"ctime", "last inode change (seconds since the epoch)"},
    {"fname", "the file name given"},
    {"name", "the file name in its true case (if asked for)"},
    {"filetype", "apache.APR_NOFILE, APR_REG, APR_DIR ..."},
    {"protection", "APR permission bits (apr_fileperms_t)"},
    {"csize", "storage size consumed"},
    {"valid", "apache.APR_FINFO_* bits of the fields that are known"},
    {"st_mode", "as os.stat_result"},
    {"st_ino", "as os.stat_result"},
    {"st_dev", "as os.stat_result"},
    {"st_nlink", "as os.stat_result"},
    {"st_uid", "as os.stat_result"},
    {"st_gid", "as os.stat_result"},
    {"st_size", "as os.stat_result"},
    {"st_atime", "as os.stat_result"},
    {"st_mtime", "as os.stat_result"},
    {"st_ctime", "as os.stat_result"},
    {NULL, NULL}
};

static PyStructSequence_Desc finfo_desc = {
    "mp_finfo",
    "file information (req.finfo, apache.stat()): a tuple indexed by "
    "apache.FINFO_*, with attributes; fields Apache did not fill are None",
    finfo_fields,
    FINFO_SEQUENCE
};

static long unix_mode(const apr_finfo_t *f)
{
    apr_fileperms_t p = f->protection;
    long mode = ((p >> 8) & 7) << 6 | ((p >> 4) & 7) << 3 | (p & 7);

    if (p & APR_FPROT_USETID) {
        mode |= S_ISUID;
    }
    if (p & APR_FPROT_GSETID) {
        mode |= S_ISGID;
    }
    if (p & APR_FPROT_WSTICKY) {
        mode |= S_ISVTX;
    }
    switch (f->filetype) {
    case APR_REG:  mode |= S_IFREG; break;
    case APR_DIR:  mode |= S_IFDIR; break;
    case APR_CHR:  mode |= S_IFCHR; break;
    case APR_BLK:  mode |= S_IFBLK; break;
    case APR_PIPE: mode |= S_IFIFO; break;
    case APR_LNK:  mode |= S_IFLNK; break;
    case APR_SOCK: mode |= S_IFSOCK; break;
    default: break;
    }
    return mode;
}

static PyObject *finfo_time(apr_time_t t)
{
    return PyFloat_FromDouble((double)t / APR_USEC_PER_SEC);
}

/* value if all of the bits are valid in f, else None */
#define IF_VALID(bits, expr) \
    ((f->valid & (bits)) == (bits) ? (expr) : Py_NewRef(Py_None))

PyObject *mp_finfo_new(const apr_finfo_t *f)
{
    PyObject *obj, *v[FINFO_FIELDS];
    mp_state *state = mp_state_get();
    int i;

    if (state == NULL) {
        return NULL;
    }
    v[FI_MODE] = IF_VALID(APR_FINFO_UPROT, PyLong_FromLong(unix_mode(f)));
    v[FI_INODE] = IF_VALID(APR_FINFO_INODE,
                           PyLong_FromUnsignedLongLong(f->inode));
    v[FI_DEVICE] = IF_VALID(APR_FINFO_DEV,
                            PyLong_FromUnsignedLongLong(f->device));
    v[FI_NLINK] = IF_VALID(APR_FINFO_NLINK, PyLong_FromLong(f->nlink));
    v[FI_USER] = IF_VALID(APR_FINFO_USER, PyLong_FromLong((long)f->user));
    v[FI_GROUP] = IF_VALID(APR_FINFO_GROUP, PyLong_FromLong((long)f->group));
    v[FI_SIZE] = IF_VALID(APR_FINFO_SIZE, PyLong_FromLongLong(f->size));
    v[FI_ATIME] = IF_VALID(APR_FINFO_ATIME, finfo_time(f->atime));
    v[FI_MTIME] = IF_VALID(APR_FINFO_MTIME, finfo_time(f->mtime));
    v[FI_CTIME] = IF_VALID(APR_FINFO_CTIME, finfo_time(f->ctime));
    v[FI_FNAME] = mp_str(f->fname);
    v[FI_NAME] = IF_VALID(APR_FINFO_NAME, mp_str(f->name));
    v[FI_FILETYPE] = PyLong_FromLong(f->filetype);
    v[FI_PROTECTION] = IF_VALID(APR_FINFO_UPROT, PyLong_FromLong(f->protection));
    v[FI_CSIZE] = IF_VALID(APR_FINFO_CSIZE, PyLong_FromLongLong(f->csize));
    v[FI_VALID] = PyLong_FromLong(f->valid);
    v[FI_ST_MODE] = Py_XNewRef(v[FI_MODE]);
    v[FI_ST_INO] = Py_XNewRef(v[FI_INODE]);
    v[FI_ST_DEV] = Py_XNewRef(v[FI_DEVICE]);
    v[FI_ST_NLINK] = Py_XNewRef(v[FI_NLINK]);
    v[FI_ST_UID] = Py_XNewRef(v[FI_USER]);
    v[FI_ST_GID] = Py_XNewRef(v[FI_GROUP]);
    v[FI_ST_SIZE] = Py_XNewRef(v[FI_SIZE]);
    v[FI_ST_ATIME] = Py_XNewRef(v[FI_ATIME]);
    v[FI_ST_MTIME] = Py_XNewRef(v[FI_MTIME]);
    v[FI_ST_CTIME] = Py_XNewRef(v[FI_CTIME]);

    obj = PyStructSequence_New(state->finfo_type);
    for (i = 0; i < FINFO_FIELDS; i++) {
        if (v[i] == NULL) {
            Py_CLEAR(obj);
        }
    }
    for (i = 0; i < FINFO_FIELDS; i++) {
        if (obj != NULL) {
            PyStructSequence_SetItem(obj, i, v[i]);     /* steals */
        }
        else {
            Py_XDECREF(v[i]);
        }
    }
    return obj;
}

#undef IF_VALID

/* Set *out from item (None: leave 0); returns -1 with an exception. */
static int finfo_number(PyObject *item, long long *out)
{
    if (item == Py_None) {
        return 0;
    }
    *out = PyLong_AsLongLong(item);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int finfo_timestamp(PyObject *item, apr_time_t *out)
{
    double seconds;

    if (item == Py_None) {
        return 0;
    }
    seconds = PyFloat_AsDouble(item);
    if (seconds == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *out = (apr_time_t)(seconds * APR_USEC_PER_SEC);
    return 0;
}

int mp_finfo_fill(PyObject *obj, apr_finfo_t *f, apr_pool_t *p)
{
    long long n[FINFO_FIELDS] = {0};
    PyObject *item;
    int i;

    memset(f, 0, sizeof(*f));
    f->pool = p;
    f->filetype = APR_NOFILE;
    if (obj == Py_None) {
        return 0;
    }
    if (!mp_type_check(obj, MP_TYPE_FINFO)) {
        PyErr_Format(PyExc_TypeError, "req.finfo takes the result of "
                     "apache.stat() (or None), not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    for (i = 0; i < FINFO_FIELDS; i++) {
        item = PyStructSequence_GetItem(obj, i);
        if (i == FI_FNAME || i == FI_NAME || i == FI_MODE
            || (i >= FI_ATIME && i <= FI_CTIME) || i >= FI_ST_MODE) {
            continue;
        }
        if (finfo_number(item, &n[i]) != 0) {
            return -1;
        }
    }
    f->valid = (apr_int32_t)n[FI_VALID];
    f->protection = (apr_fileperms_t)n[FI_PROTECTION];
    f->filetype = (apr_filetype_e)n[FI_FILETYPE];
    f->user = (apr_uid_t)n[FI_USER];
    f->group = (apr_gid_t)n[FI_GROUP];
    f->inode = (apr_ino_t)n[FI_INODE];
    f->device = (apr_dev_t)n[FI_DEVICE];
    f->nlink = (apr_int32_t)n[FI_NLINK];
    f->size = (apr_off_t)n[FI_SIZE];
    f->csize = (apr_off_t)n[FI_CSIZE];
    if (finfo_timestamp(PyStructSequence_GetItem(obj, FI_ATIME),
                        &f->atime) != 0
        || finfo_timestamp(PyStructSequence_GetItem(obj, FI_MTIME),
                           &f->mtime) != 0
        || finfo_timestamp(PyStructSequence_GetItem(obj, FI_CTIME),
                           &f->ctime) != 0) {
        return -1;
    }
    item = PyStructSequence_GetItem(obj, FI_FNAME);
    if (item != Py_None
        && (f->fname = mp_pstr_from_object(p, item, "finfo.fname")) == NULL) {
        return -1;
    }
    item = PyStructSequence_GetItem(obj, FI_NAME);
    if (item != Py_None
        && (f->name = mp_pstr_from_object(p, item, "finfo.name")) == NULL) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------ functions */

static PyObject *apache_log_error(PyObject *module, PyObject *args,
                                  PyObject *kw)
{
    static char *kwlist[] = {"message", "level", "server", NULL};
    PyObject *message, *server = Py_None, *bytes;
    server_rec *s = ap_server_conf;
    int level = APLOG_ERR;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|iO:log_error", kwlist,
                                     &message, &level, &server)) {
        return NULL;
    }
    if (server != Py_None && (s = mp_server_rec(server)) == NULL) {
        return NULL;
    }
    bytes = mp_log_message(message);
    if (bytes == NULL) {
        return NULL;
    }
    ap_log_error(APLOG_MARK, level & APLOG_LEVELMASK, 0, s, "%s",
                 PyBytes_AS_STRING(bytes));
    Py_DECREF(bytes);
    Py_RETURN_NONE;
}

static PyObject *apache_server_root(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    return mp_str(ap_server_root);
}

static PyObject *apache_mpm_query(PyObject *module, PyObject *arg)
{
    int code, result = 0;

    (void)module;
    code = (int)PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (ap_mpm_query(code, &result) != APR_SUCCESS) {
        PyErr_Format(PyExc_ValueError, "mpm_query: unknown query %d", code);
        return NULL;
    }
    return PyLong_FromLong(result);
}

static PyObject *apache_exists_config_define(PyObject *module, PyObject *arg)
{
    PyObject *bytes;
    int exists;

    (void)module;
    bytes = mp_text_bytes(arg, "exists_config_define: name");
    if (bytes == NULL) {
        return NULL;
    }
    exists = ap_exists_config_define(PyBytes_AS_STRING(bytes));
    Py_DECREF(bytes);
    return PyBool_FromLong(exists);
}

static PyObject *apache_mpm_name(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    return mp_str(ap_show_mpm());
}

/* A list of (directive, args) pairs; a pair whose directive has children
 * (a section) is followed by the list of the children, as in 3.x. */
static PyObject *config_tree_walk(const ap_directive_t *dir)
{
    PyObject *list = PyList_New(0), *item;

    if (list == NULL) {
        return NULL;
    }
    for (; dir != NULL; dir = dir->next) {
        item = Py_BuildValue("(NN)", mp_str_or_empty(dir->directive),
                             mp_str_or_empty(dir->args));
        if (item == NULL || PyList_Append(list, item) != 0) {
            goto error;
        }
        Py_DECREF(item);
        if (dir->first_child == NULL) {
            continue;
        }
        item = config_tree_walk(dir->first_child);
        if (item == NULL || PyList_Append(list, item) != 0) {
            goto error;
        }
        Py_DECREF(item);
    }
    return list;

error:
    Py_XDECREF(item);
    Py_DECREF(list);
    return NULL;
}

static PyObject *apache_config_tree(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    return config_tree_walk(ap_conftree);
}

/* stat(fname, wanted=APR_FINFO_NORM): apr_stat() as an mp_finfo.  A
 * missing file gives filetype APR_NOFILE (as in 3.x); other failures
 * raise OSError. */
static PyObject *apache_stat(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fname", "wanted", NULL};
    PyObject *fname, *bytes, *result = NULL;
    apr_int32_t wanted = APR_FINFO_NORM;
    apr_finfo_t finfo;
    apr_status_t rv;
    apr_pool_t *pool;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i:stat", kwlist, &fname,
                                     &wanted)) {
        return NULL;
    }
    bytes = mp_text_bytes(fname, "stat: file name");
    if (bytes == NULL) {
        return NULL;
    }
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        Py_DECREF(bytes);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    rv = apr_stat(&finfo, PyBytes_AS_STRING(bytes), wanted, pool);
    Py_END_ALLOW_THREADS
    if (rv == APR_SUCCESS || rv == APR_INCOMPLETE) {
        result = mp_finfo_new(&finfo);
    }
    else if (APR_STATUS_IS_ENOENT(rv) || APR_STATUS_IS_ENOTDIR(rv)) {
        memset(&finfo, 0, sizeof(finfo));
        finfo.filetype = APR_NOFILE;
        finfo.fname = PyBytes_AS_STRING(bytes);
        result = mp_finfo_new(&finfo);
    }
    else {
        result = mp_apr_os_error(rv, NULL, fname);
    }
    apr_pool_destroy(pool);
    Py_DECREF(bytes);
    return result;
}

static PyMethodDef apache_functions[] = {
    {"log_error", (PyCFunction)(void (*)(void))apache_log_error,
     METH_VARARGS | METH_KEYWORDS,
     "log_error(message[, level, server]): write to the error log of "
     "server (default: the main server), honouring its LogLevel"},
    {"server_root", apache_server_root, METH_NOARGS, "the ServerRoot"},
    {"mpm_query", apache_mpm_query, METH_O, "ap_mpm_query(code)"},
    {"mpm_name", apache_mpm_name, METH_NOARGS, "name of the MPM in use"},
    {"exists_config_define", apache_exists_config_define, METH_O,
     "true when httpd was started with -D name"},
    {"config_tree", apache_config_tree, METH_NOARGS,
     "a copy of the server configuration tree (no .htaccess): a list of "
     "(directive, args) pairs, each section followed by a list of its "
     "contents"},
    {"stat", (PyCFunction)(void (*)(void))apache_stat,
     METH_VARARGS | METH_KEYWORDS,
     "stat(fname, wanted=APR_FINFO_NORM): apr_stat() as an mp_finfo "
     "(filetype APR_NOFILE when the file does not exist)"},
    {NULL}
};

/* ------------------------------------------------------ constants */

#define CONSTANT(name) {#name, name}

static const struct {
    const char *name;
    long value;
} apache_constants[] = {
    /* file types (mp_finfo.filetype) */
    CONSTANT(APR_NOFILE), CONSTANT(APR_REG), CONSTANT(APR_DIR),
    CONSTANT(APR_CHR), CONSTANT(APR_BLK), CONSTANT(APR_PIPE),
    CONSTANT(APR_LNK), CONSTANT(APR_SOCK), CONSTANT(APR_UNKFILE),
    /* apache.stat() wanted / mp_finfo.valid bits */
    CONSTANT(APR_FINFO_LINK), CONSTANT(APR_FINFO_MTIME),
    CONSTANT(APR_FINFO_CTIME), CONSTANT(APR_FINFO_ATIME),
    CONSTANT(APR_FINFO_SIZE), CONSTANT(APR_FINFO_CSIZE),
    CONSTANT(APR_FINFO_DEV), CONSTANT(APR_FINFO_INODE),
    CONSTANT(APR_FINFO_NLINK), CONSTANT(APR_FINFO_TYPE),
    CONSTANT(APR_FINFO_USER), CONSTANT(APR_FINFO_GROUP),
    CONSTANT(APR_FINFO_UPROT), CONSTANT(APR_FINFO_GPROT),
    CONSTANT(APR_FINFO_WPROT), CONSTANT(APR_FINFO_ICASE),
    CONSTANT(APR_FINFO_NAME), CONSTANT(APR_FINFO_MIN),
    CONSTANT(APR_FINFO_IDENT), CONSTANT(APR_FINFO_OWNER),
    CONSTANT(APR_FINFO_PROT), CONSTANT(APR_FINFO_NORM),
    CONSTANT(APR_FINFO_DIRENT),
    /* req.used_path_info */
    CONSTANT(AP_REQ_ACCEPT_PATH_INFO), CONSTANT(AP_REQ_REJECT_PATH_INFO),
    CONSTANT(AP_REQ_DEFAULT_PATH_INFO),
};

#undef CONSTANT

/* ------------------------------------------------------ module state */

/* The key of the running interpreter's first _apache module in its
 * interpreter dict (PyInterpreterState_GetDict). */
#define MP_STATE_KEY "mod_python._apache"

/* This thread's last answer of mp_state_get, and the interpreter it is
 * for (by id: ids are never reused, addresses can be). */
static __thread int64_t cached_interp_id = -1;
static __thread mp_state *cached_state;

mp_state *mp_state_get(void)
{
    PyInterpreterState *istate = PyInterpreterState_Get();
    int64_t id = PyInterpreterState_GetID(istate);
    PyObject *dict, *module;

    if (id == cached_interp_id && cached_state != NULL) {
        return cached_state;
    }
    dict = PyInterpreterState_GetDict(istate);
    if (dict == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "mod_python: this interpreter has no state dict");
        return NULL;
    }
    module = PyDict_GetItemString(dict, MP_STATE_KEY);     /* borrowed */
    if (module == NULL) {
        /* not imported here yet: its exec slot records it */
        PyObject *imported = PyImport_ImportModule("_apache");

        if (imported == NULL) {
            return NULL;
        }
        Py_DECREF(imported);
        module = PyDict_GetItemString(dict, MP_STATE_KEY);
        if (module == NULL) {
            PyErr_SetString(PyExc_RuntimeError,
                            "mod_python: _apache did not record its state");
            return NULL;
        }
    }
    /* the interpreter dict keeps module (and so its state) alive until
     * the interpreter is finalised */
    cached_state = PyModule_GetState(module);
    cached_interp_id = cached_state != NULL ? id : -1;
    return cached_state;
}

int mp_type_check(PyObject *obj, size_t which)
{
    mp_state *state = mp_state_get();

    if (state == NULL) {
        PyErr_Clear();
        return 0;
    }
    return PyObject_TypeCheck(obj, *(PyTypeObject **)((char *)state + which));
}

static int apache_traverse(PyObject *module, visitproc visit, void *arg)
{
    mp_state *state = PyModule_GetState(module);

    if (state != NULL) {
        Py_VISIT(state->request_type);
        Py_VISIT(state->table_type);
        Py_VISIT(state->conn_type);
        Py_VISIT(state->server_type);
        Py_VISIT(state->hlist_type);
        Py_VISIT(state->filter_type);
        Py_VISIT(state->finfo_type);
    }
    return 0;
}

static int apache_clear(PyObject *module)
{
    mp_state *state = PyModule_GetState(module);

    if (state != NULL) {
        Py_CLEAR(state->request_type);
        Py_CLEAR(state->table_type);
        Py_CLEAR(state->conn_type);
        Py_CLEAR(state->server_type);
        Py_CLEAR(state->hlist_type);
        Py_CLEAR(state->filter_type);
        Py_CLEAR(state->finfo_type);
    }
    return 0;
}

static void apache_free(void *module)
{
    (void)apache_clear((PyObject *)module);
}

/* Make this interpreter's types (a heap type each, its module: this). */
static int make_types(PyObject *module, mp_state *state)
{
    struct {
        PyTypeObject **slot;
        PyType_Spec *spec;
    } made[] = {
        {&state->table_type, &mp_table_spec},
        {&state->request_type, &mp_request_spec},
        {&state->conn_type, &mp_conn_spec},
        {&state->server_type, &mp_server_spec},
        {&state->hlist_type, &mp_hlist_spec},
        {&state->filter_type, &mp_filter_spec},
    };
    size_t i;

    for (i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        *made[i].slot = (PyTypeObject *)PyType_FromModuleAndSpec(
            module, made[i].spec, NULL);
        if (*made[i].slot == NULL) {
            return -1;
        }
    }
    state->finfo_type = PyStructSequence_NewType(&finfo_desc);
    return state->finfo_type != NULL ? 0 : -1;
}

static int apache_exec(PyObject *module)
{
    mp_state *state = PyModule_GetState(module);
    PyObject *dict, *first;
    size_t i;

    if (state == NULL || make_types(module, state) != 0) {
        return -1;
    }
    /* the first _apache of this interpreter is the one C code uses */
    dict = PyInterpreterState_GetDict(PyInterpreterState_Get());
    if (dict == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "mod_python: this interpreter has no state dict");
        return -1;
    }
    first = PyDict_GetItemString(dict, MP_STATE_KEY);
    if (first == NULL
        && PyDict_SetItemString(dict, MP_STATE_KEY, module) != 0) {
        return -1;
    }
    if (mp_mutex_add_functions(module) != 0) {
        return -1;
    }
    for (i = 0; i < sizeof(apache_constants) / sizeof(apache_constants[0]);
         i++) {
        if (PyModule_AddIntConstant(module, apache_constants[i].name,
                                    apache_constants[i].value) != 0) {
            return -1;
        }
    }
    if (PyModule_AddObjectRef(module, "table",
                              (PyObject *)state->table_type) != 0
        || PyModule_AddObjectRef(module, "make_table",
                                 (PyObject *)state->table_type) != 0
        || PyModule_AddObjectRef(module, "mp_request",
                                 (PyObject *)state->request_type) != 0
        || PyModule_AddObjectRef(module, "mp_conn",
                                 (PyObject *)state->conn_type) != 0
        || PyModule_AddObjectRef(module, "mp_server",
                                 (PyObject *)state->server_type) != 0
        || PyModule_AddObjectRef(module, "mp_finfo",
                                 (PyObject *)state->finfo_type) != 0
        || PyModule_AddStringConstant(module, "version",
                                      MP_VERSION_STRING) != 0
        || PyModule_AddStringConstant(module, "httpd_version",
                                      ap_get_server_banner()) != 0
        || PyModule_AddIntConstant(module, "MODULE_MAGIC_NUMBER_MAJOR",
                                   MODULE_MAGIC_NUMBER_MAJOR) != 0
        || PyModule_AddIntConstant(module, "MODULE_MAGIC_NUMBER_MINOR",
                                   MODULE_MAGIC_NUMBER_MINOR) != 0) {
        return -1;
    }
    /* apache.main_server: the server outside every <VirtualHost> */
    if (ap_server_conf != NULL) {
        PyObject *main_server = mp_server_new(ap_server_conf);

        if (main_server == NULL
            || PyModule_AddObject(module, "main_server", main_server) != 0) {
            Py_XDECREF(main_server);
            return -1;
        }
    }
    /* mod_python.wsgi's per-request helpers (wsgi.c) */
    if (PyModule_AddFunctions(module, mp_wsgi_functions) != 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot apache_slots[] = {
    {Py_mod_exec, apache_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* no per-process state: every interpreter has its own module, types
     * and state, so an interpreter with its own GIL may import it */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* our C code relies on the GIL (module state, request state, the
     * objects' fields): a free-threaded Python must keep it on for us */
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef apache_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_apache",
    .m_doc = "mod_python's interface to Apache (use mod_python.apache)",
    .m_size = sizeof(mp_state),
    .m_methods = apache_functions,
    .m_slots = apache_slots,
    .m_traverse = apache_traverse,
    .m_clear = apache_clear,
    .m_free = apache_free,
};

PyObject *mp_init_apache_module(void)
{
    return PyModuleDef_Init(&apache_module);
}
