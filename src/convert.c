/*
 * convert.c - the str/bytes rules (Doc/strbytes.rst), and the conversions
 * of Apache values to Python ones that several objects share.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
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

PyObject *mp_body_bytes(PyObject *data)
{
    if (PyUnicode_Check(data)) {
        return PyUnicode_AsEncodedString(data, "utf-8", "surrogateescape");
    }
    if (PyBytes_Check(data)) {
        return Py_NewRef(data);
    }
    if (PyObject_CheckBuffer(data)) {
        return PyBytes_FromObject(data);
    }
    PyErr_Format(PyExc_TypeError, "write() takes bytes or str, not %.100s",
                 Py_TYPE(data)->tp_name);
    return NULL;
}

PyObject *mp_str_or_empty(const char *s)
{
    return mp_str(s ? s : "");
}

PyObject *mp_text_bytes(PyObject *value, const char *what)
{
    PyObject *bytes;

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
    return bytes;
}

const char *mp_pstr_from_object(apr_pool_t *p, PyObject *value,
                                const char *what)
{
    PyObject *bytes = mp_text_bytes(value, what);
    const char *copy;

    if (bytes == NULL) {
        return NULL;
    }
    copy = apr_pstrmemdup(p, PyBytes_AS_STRING(bytes),
                          (apr_size_t)PyBytes_GET_SIZE(bytes));
    Py_DECREF(bytes);
    if (copy == NULL) {
        PyErr_NoMemory();
    }
    return copy;
}

/* The message of a log_error call, as a bytes object holding a C string:
 * a str is encoded UTF-8 with surrogateescape (so any str is accepted, and
 * bytes a client sent come out as they were), bytes are taken as they
 * are, and a NUL byte is written as \\x00 rather than ending the line. */
PyObject *mp_log_message(PyObject *message)
{
    PyObject *bytes, *escaped;

    if (PyUnicode_Check(message)) {
        bytes = PyUnicode_AsEncodedString(message, "utf-8", "surrogateescape");
    }
    else if (PyBytes_Check(message)) {
        bytes = Py_NewRef(message);
    }
    else {
        PyErr_Format(PyExc_TypeError, "log_error: message must be str or "
                     "bytes, not %.100s", Py_TYPE(message)->tp_name);
        return NULL;
    }
    if (bytes == NULL || memchr(PyBytes_AS_STRING(bytes), '\0',
                                PyBytes_GET_SIZE(bytes)) == NULL) {
        return bytes;
    }
    escaped = PyObject_CallMethod(bytes, "replace", "y#y#", "\0",
                                  (Py_ssize_t)1, "\\x00", (Py_ssize_t)4);
    Py_DECREF(bytes);
    return escaped;
}

/* The arguments (message[, level]) of req, conn, server and filter
 * log_error: the message as mp_log_message() makes it (a new reference),
 * the level masked to Apache's levels.  0 with an exception on error. */
int mp_log_args(PyObject *args, PyObject **message, int *level)
{
    PyObject *text;

    *level = APLOG_ERR;
    if (!PyArg_ParseTuple(args, "O|i:log_error", &text, level)) {
        return 0;
    }
    *level &= APLOG_LEVELMASK;
    *message = mp_log_message(text);
    return *message != NULL;
}

/* ------------------------------------------------ shared conversions */

PyObject *mp_str_tuple(const apr_array_header_t *list)
{
    PyObject *tuple = PyTuple_New(list ? list->nelts : 0);
    int i;

    for (i = 0; tuple && list && i < list->nelts; i++) {
        PyObject *s = mp_str(APR_ARRAY_IDX(list, i, const char *));

        if (s == NULL) {
            Py_CLEAR(tuple);
            break;
        }
        PyTuple_SET_ITEM(tuple, i, s);
    }
    return tuple;
}

PyObject *mp_sockaddr_tuple(apr_sockaddr_t *sa)
{
    char *ip = NULL;

    if (sa == NULL || apr_sockaddr_ip_get(&ip, sa) != APR_SUCCESS) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(Ni)", mp_str(ip), (int)sa->port);
}

PyObject *mp_apr_os_error(apr_status_t rv, const char *what,
                          PyObject *filename)
{
    char reason[120], message[200];
    PyObject *exc;

    apr_strerror(rv, reason, sizeof(reason));
    if (what != NULL) {
        apr_snprintf(message, sizeof(message), "%s: %s", what, reason);
    }
    else {
        apr_cpystrn(message, reason, sizeof(message));
    }
    exc = PyObject_CallFunction(PyExc_OSError, "isO", (int)rv, message,
                                filename ? filename : Py_None);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}
