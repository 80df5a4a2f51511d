/*
 * buffer.c - growing byte buffers, and taking data out of buckets.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Used by every reader that hands bytes to Python (req.read*, conn.read*,
 * filter.read*).  The memory comes from malloc, not a pool: these run in
 * any thread, and the result is copied into a bytes object at once.
 */
#include "mod_python.h"

int mp_buffer_reserve(mp_buffer *b, apr_size_t extra)
{
    apr_size_t want = b->len + extra;
    char *bigger;

    if (want <= b->size) {
        return 0;
    }
    if (want < b->size * 2) {
        want = b->size * 2;
    }
    bigger = realloc(b->data, want);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = bigger;
    b->size = want;
    return 0;
}

void mp_buffer_free(mp_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->size = 0;
}

PyObject *mp_buffer_finish(mp_buffer *b)
{
    PyObject *bytes = PyBytes_FromStringAndSize(b->data ? b->data : "",
                                                (Py_ssize_t)b->len);
    mp_buffer_free(b);
    return bytes;
}

apr_status_t mp_bucket_take(apr_bucket *b, mp_buffer *out, apr_size_t max,
                            int line, int *found_newline)
{
    const char *data;
    apr_size_t n;
    apr_status_t rv;

    Py_BEGIN_ALLOW_THREADS
    rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ);
    Py_END_ALLOW_THREADS
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (n > max) {
        n = max;
    }
    if (line) {
        const char *nl = memchr(data, '\n', n);
        if (nl != NULL) {
            n = (apr_size_t)(nl - data) + 1;
            *found_newline = 1;
        }
    }
    if (mp_buffer_reserve(out, n) != 0) {
        return APR_ENOMEM;
    }
    memcpy(out->data + out->len, data, n);
    out->len += n;
    if (n < b->length) {
        apr_bucket_split(b, n);
    }
    apr_bucket_delete(b);
    return APR_SUCCESS;
}
