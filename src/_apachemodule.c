/*
 * _apachemodule.c - the built-in _apache module, and the str/bytes rules.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_python.apache is the public face; _apache holds what must be C:
 * the types and the calls into Apache.  The module uses multi-phase
 * initialisation so each interpreter gets its own module object.
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

/* ------------------------------------------------ str/bytes policy */

PyObject *mp_str(const char *s)
{
    if (s == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

PyObject *mp_str_or_empty(const char *s)
{
    return mp_str(s ? s : "");
}

const char *mp_pstr_from_object(apr_pool_t *p, PyObject *value,
                                const char *what)
{
    PyObject *bytes;
    const char *copy;

    if (PyUnicode_Check(value)) {
        bytes = PyUnicode_AsEncodedString(value, "utf-8", "surrogateescape");
    }
    else if (PyBytes_Check(value)) {
        bytes = Py_NewRef(value);
    }
    else {
        PyErr_Format(PyExc_TypeError, "%s must be str or bytes, not %.100s",
                     what, Py_TYPE(value)->tp_name);
        return NULL;
    }
    if (bytes == NULL) {
        return NULL;
    }
    if (memchr(PyBytes_AS_STRING(bytes), '\0', PyBytes_GET_SIZE(bytes))) {
        PyErr_Format(PyExc_ValueError, "%s contains a NUL byte", what);
        Py_DECREF(bytes);
        return NULL;
    }
    copy = apr_pstrmemdup(p, PyBytes_AS_STRING(bytes),
                          (apr_size_t)PyBytes_GET_SIZE(bytes));
    Py_DECREF(bytes);
    return copy;
}

/* ------------------------------------------------------ functions */

static PyObject *apache_log_error(PyObject *module, PyObject *args,
                                  PyObject *kw)
{
    static char *kwlist[] = {"message", "level", "server", NULL};
    const char *message;
    int level = APLOG_ERR;
    PyObject *server = Py_None, *result;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|iO:log_error", kwlist,
                                     &message, &level, &server)) {
        return NULL;
    }
    if (server != Py_None) {
        if (!PyObject_TypeCheck(server, &mp_server_type)) {
            PyErr_SetString(PyExc_TypeError, "log_error: server must be a "
                            "server object (req.server)");
            return NULL;
        }
        result = PyObject_CallMethod(server, "log_error", "si", message, level);
        return result;
    }
    ap_log_error(APLOG_MARK, level & APLOG_LEVELMASK, 0, NULL, "%s", message);
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
    const char *name;

    (void)module;
    name = PyUnicode_AsUTF8(arg);
    if (name == NULL) {
        return NULL;
    }
    return PyBool_FromLong(ap_exists_config_define(name));
}

static PyObject *apache_mpm_name(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    return mp_str(ap_show_mpm());
}

static PyMethodDef apache_functions[] = {
    {"log_error", (PyCFunction)(void (*)(void))apache_log_error,
     METH_VARARGS | METH_KEYWORDS,
     "log_error(message[, level, server]): write to the error log"},
    {"server_root", apache_server_root, METH_NOARGS, "the ServerRoot"},
    {"mpm_query", apache_mpm_query, METH_O, "ap_mpm_query(code)"},
    {"mpm_name", apache_mpm_name, METH_NOARGS, "name of the MPM in use"},
    {"exists_config_define", apache_exists_config_define, METH_O,
     "true when httpd was started with -D name"},
    {NULL}
};

static int apache_exec(PyObject *module)
{
    PyTypeObject *types[] = {&mp_table_type, &mp_request_type,
                             &mp_conn_type, &mp_server_type};
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i]) != 0) {
            return -1;
        }
    }
    if (PyModule_AddObjectRef(module, "table", (PyObject *)&mp_table_type) != 0
        || PyModule_AddObjectRef(module, "make_table",
                                 (PyObject *)&mp_table_type) != 0
        || PyModule_AddObjectRef(module, "mp_request",
                                 (PyObject *)&mp_request_type) != 0
        || PyModule_AddObjectRef(module, "mp_conn",
                                 (PyObject *)&mp_conn_type) != 0
        || PyModule_AddObjectRef(module, "mp_server",
                                 (PyObject *)&mp_server_type) != 0
        || PyModule_AddStringConstant(module, "version",
                                      MP_VERSION_STRING) != 0
        || PyModule_AddStringConstant(module, "httpd_version",
                                      ap_get_server_banner()) != 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot apache_slots[] = {
    {Py_mod_exec, apache_exec},
    {0, NULL}
};

static struct PyModuleDef apache_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_apache",
    .m_doc = "mod_python's interface to Apache (use mod_python.apache)",
    .m_size = 0,
    .m_methods = apache_functions,
    .m_slots = apache_slots,
};

PyObject *mp_init_apache_module(void)
{
    return PyModuleDef_Init(&apache_module);
}
