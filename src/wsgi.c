/*
 * wsgi.c - the request-side helpers of mod_python.wsgi (PEP 3333).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * The WSGI handler itself is Python (lib/python/mod_python/wsgi.py); what
 * is here runs on every request and reads request_rec fields directly:
 *
 *   _apache.wsgi_environ(req, template, keys)
 *       -> (application option, environ)
 *       the environ dict (CGI variables and wsgi.* keys), built straight
 *       from the request_rec without filling r->subprocess_env first the
 *       way ap_add_cgi_vars() does; None instead of it when the URI is not
 *       under mod_python.wsgi.base_uri
 *   _apache.wsgi_sendfile(req, fd, offset, length) -> bytes sent
 *       send part of an open file with a file bucket (sendfile(2))
 *   _apache.wsgi_close_connection(req)
 *       no keep-alive after this response (its body is shorter than its
 *       Content-Length: the client must see the connection end)
 *
 * Environ strings are PEP 3333 "native strings": the bytes of the request
 * decoded as ISO-8859-1, so an application gets the exact bytes back with
 * .encode("latin-1").
 */
#include "mod_python.h"

#if AP_MODULE_MAGIC_AT_LEAST(20120211, 102)
#include "http_ssl.h"
#define MP_WSGI_HAVE_AP_SSL 1
#else
#include "mod_ssl.h"
#endif

APLOG_USE_MODULE(python);

/* The request_rec behind req, or NULL with an exception set. */
static request_rec *wsgi_request(PyObject *req, const char *function)
{
    request_rec *r;

    if (!mp_type_check(req, MP_TYPE_REQUEST)) {
        PyErr_Format(PyExc_TypeError, "%s: argument 1 must be a request "
                     "object, not %.100s", function, Py_TYPE(req)->tp_name);
        return NULL;
    }
    r = ((mp_request *)req)->r;
    if (r == NULL) {
        PyErr_Format(PyExc_RuntimeError, "%s: the request is over", function);
    }
    return r;
}

/* "HTTP_" + the header name upper-cased with '-' as '_', in buf; 0 when
 * the name has other characters than letters, digits and '-' (httpd
 * drops those from CGI variables too: "X_Forwarded_For" must not pass
 * for "X-Forwarded-For"). */
static int http_variable_name(const char *name, char *buf, size_t size)
{
    size_t i;

    if (strlen(name) + 6 > size) {
        return 0;
    }
    memcpy(buf, "HTTP_", 5);
    for (i = 0; name[i]; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c == '-') {
            buf[5 + i] = '_';
        }
        else if (apr_isalnum(c)) {
            buf[5 + i] = (char)apr_toupper(c);
        }
        else {
            return 0;
        }
    }
    buf[5 + i] = '\0';
    return i > 0;
}

/* The request headers as CONTENT_TYPE, CONTENT_LENGTH and HTTP_*; a name
 * met twice gets its values joined by ", ". */
static int environ_add_headers(PyObject *environ, request_rec *r,
                               int pass_authorization)
{
    const apr_array_header_t *headers = apr_table_elts(r->headers_in);
    const apr_table_entry_t *entry = (const apr_table_entry_t *)headers->elts;
    char name[256];
    int i;

    for (i = 0; i < headers->nelts; i++) {
        const char *key = entry[i].key, *variable = name;
        PyObject *value, *old;
        int rc;

        if (key == NULL || entry[i].val == NULL) {
            continue;
        }
        if (strcasecmp(key, "Content-Type") == 0) {
            variable = "CONTENT_TYPE";
        }
        else if (strcasecmp(key, "Content-Length") == 0) {
            variable = "CONTENT_LENGTH";
        }
        else if (!pass_authorization
                 && (strcasecmp(key, "Authorization") == 0
                     || strcasecmp(key, "Proxy-Authorization") == 0)) {
            continue;
        }
        else if (!http_variable_name(key, name, sizeof(name))) {
            continue;
        }
        value = PyUnicode_DecodeLatin1(entry[i].val,
                                       (Py_ssize_t)strlen(entry[i].val), NULL);
        if (value == NULL) {
            return -1;
        }
        old = PyDict_GetItemString(environ, variable);   /* borrowed */
        if (old != NULL && variable == name) {
            Py_SETREF(value, PyUnicode_FromFormat("%U, %U", old, value));
            if (value == NULL) {
                return -1;
            }
        }
        rc = PyDict_SetItemString(environ, variable, value);
        Py_DECREF(value);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* r->subprocess_env (SetEnv, SSL variables ...) where the request's headers
 * gave no variable of that name; added after the headers and before the
 * request's own variables, which replace them: "SetEnv SCRIPT_NAME" cannot
 * change the split, nor "SetEnv HTTP_HOST" be joined to the Host header
 * (httpd's CGI rule, ap_add_common_vars). */
static int environ_add_subprocess_env(PyObject *environ, request_rec *r)
{
    const apr_array_header_t *vars = apr_table_elts(r->subprocess_env);
    const apr_table_entry_t *entry = (const apr_table_entry_t *)vars->elts;
    PyObject *key, *value;
    int i;

    for (i = 0; i < vars->nelts; i++) {
        if (entry[i].key == NULL || entry[i].val == NULL) {
            continue;
        }
        key = PyUnicode_DecodeLatin1(entry[i].key,
                                     (Py_ssize_t)strlen(entry[i].key), NULL);
        if (key == NULL) {
            return -1;
        }
        value = PyUnicode_DecodeLatin1(entry[i].val,
                                       (Py_ssize_t)strlen(entry[i].val), NULL);
        if (value == NULL || PyDict_SetDefault(environ, key, value) == NULL) {
            Py_DECREF(key);
            Py_XDECREF(value);
            return -1;
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    return 0;
}

static int connection_is_https(conn_rec *c)
{
#ifdef MP_WSGI_HAVE_AP_SSL
    return ap_ssl_conn_is_ssl(c);
#else
    APR_OPTIONAL_FN_TYPE(ssl_is_https) *is_https =
        APR_RETRIEVE_OPTIONAL_FN(ssl_is_https);

    return is_https != NULL && is_https(c);
#endif
}

/* The CGI variables that do not come from headers, in the order of the
 * key tuple mod_python.wsgi passes (_KEYS there): its str objects are
 * created once per interpreter instead of once per request. */
enum {
    KEY_REQUEST_METHOD, KEY_QUERY_STRING, KEY_SERVER_NAME, KEY_SERVER_PORT,
    KEY_SERVER_PROTOCOL, KEY_SERVER_ADMIN, KEY_SERVER_ADDR, KEY_REMOTE_ADDR,
    KEY_REMOTE_PORT, KEY_REMOTE_USER, KEY_AUTH_TYPE, KEY_REQUEST_URI,
    KEY_REQUEST_SCHEME, KEY_DOCUMENT_ROOT, KEY_HTTPS, KEY_URL_SCHEME,
    KEY_SCRIPT_NAME, KEY_PATH_INFO, KEY_INPUT, KEY_REQUEST, KEY_COUNT
};

/* environ[keys[index]] = s decoded as latin-1 (NULL s: nothing). */
static int environ_put(PyObject *environ, PyObject *keys, int index,
                       const char *s, Py_ssize_t len)
{
    PyObject *value;
    int rc;

    if (s == NULL) {
        return 0;
    }
    value = PyUnicode_DecodeLatin1(s, len < 0 ? (Py_ssize_t)strlen(s) : len,
                                   NULL);
    if (value == NULL) {
        return -1;
    }
    rc = PyDict_SetItem(environ, PyTuple_GET_ITEM(keys, index), value);
    Py_DECREF(value);
    return rc;
}

static int environ_add_request(PyObject *environ, PyObject *keys,
                               request_rec *r)
{
    conn_rec *c = r->connection;
    char port[16];

    apr_snprintf(port, sizeof(port), "%u", ap_get_server_port(r));
    if (environ_put(environ, keys, KEY_REQUEST_METHOD, r->method, -1) < 0
        || environ_put(environ, keys, KEY_QUERY_STRING,
                       r->args ? r->args : "", -1) < 0
        || environ_put(environ, keys, KEY_SERVER_NAME,
                       ap_get_server_name(r), -1) < 0
        || environ_put(environ, keys, KEY_SERVER_PORT, port, -1) < 0
        || environ_put(environ, keys, KEY_SERVER_PROTOCOL, r->protocol, -1) < 0
        || environ_put(environ, keys, KEY_SERVER_ADMIN,
                       r->server->server_admin, -1) < 0
        || environ_put(environ, keys, KEY_SERVER_ADDR, c->local_ip, -1) < 0
        || environ_put(environ, keys, KEY_REMOTE_ADDR, r->useragent_ip, -1) < 0
        || environ_put(environ, keys, KEY_REMOTE_USER, r->user, -1) < 0
        || environ_put(environ, keys, KEY_AUTH_TYPE, r->ap_auth_type, -1) < 0
        || environ_put(environ, keys, KEY_REQUEST_URI, r->unparsed_uri, -1) < 0
        || environ_put(environ, keys, KEY_REQUEST_SCHEME,
                       ap_http_scheme(r), -1) < 0
        || environ_put(environ, keys, KEY_DOCUMENT_ROOT,
                       ap_document_root(r), -1) < 0) {
        return -1;
    }
    if (r->useragent_addr != NULL) {
        apr_snprintf(port, sizeof(port), "%u", r->useragent_addr->port);
        if (environ_put(environ, keys, KEY_REMOTE_PORT, port, -1) < 0) {
            return -1;
        }
    }
    if (connection_is_https(c)) {
        return environ_put(environ, keys, KEY_HTTPS, "on", 2) < 0
               || environ_put(environ, keys, KEY_URL_SCHEME, "https", 5) < 0
               ? -1 : 0;
    }
    return environ_put(environ, keys, KEY_URL_SCHEME, "http", 4);
}

/* SCRIPT_NAME and PATH_INFO; 0 when r->uri is not under script_name. */
static int environ_add_paths(PyObject *environ, PyObject *keys,
                             request_rec *r, const char *script_name)
{
    size_t len = strlen(script_name);

    if (len > 0 && (strncmp(r->uri, script_name, len) != 0)) {
        return 0;
    }
    if (environ_put(environ, keys, KEY_SCRIPT_NAME, script_name,
                    (Py_ssize_t)len) < 0
        || environ_put(environ, keys, KEY_PATH_INFO, r->uri + len, -1) < 0) {
        return -1;
    }
    return 1;
}

static PyObject *wsgi_environ(PyObject *module, PyObject *const *args,
                              Py_ssize_t nargs)
{
    request_rec *r;
    mp_dir_config *conf;
    mp_request_state *state;
    const char *application, *base_uri, *pass;
    PyObject *environ, *app_text, *result, *keys;
    int rc;

    (void)module;
    if (nargs != 3 || !PyDict_Check(args[1]) || !PyTuple_Check(args[2])
        || PyTuple_GET_SIZE(args[2]) != KEY_COUNT) {
        PyErr_Format(PyExc_TypeError, "wsgi_environ(req, template dict, "
                     "tuple of the %d key names)", KEY_COUNT);
        return NULL;
    }
    keys = args[2];
    r = wsgi_request(args[0], "wsgi_environ");
    if (r == NULL) {
        return NULL;
    }
    conf = ap_get_module_config(r->per_dir_config, &python_module);
    state = ((mp_request *)args[0])->state;
    application = apr_table_get(conf->options, "mod_python.wsgi.application");
    base_uri = apr_table_get(conf->options, "mod_python.wsgi.base_uri");
    pass = apr_table_get(conf->options, "mod_python.wsgi.pass_authorization");
    app_text = mp_str(application);
    if (app_text == NULL) {
        return NULL;
    }
    environ = PyDict_Copy(args[1]);
    if (environ == NULL) {
        Py_DECREF(app_text);
        return NULL;
    }
    if (base_uri == NULL) {
        base_uri = state->current_location ? state->current_location : "";
    }
    rc = environ_add_headers(environ, r, pass != NULL
                             && strcasecmp(pass, "On") == 0) < 0
         || environ_add_subprocess_env(environ, r) < 0
         || environ_add_request(environ, keys, r) < 0
         || PyDict_SetItem(environ, PyTuple_GET_ITEM(keys, KEY_INPUT),
                           args[0]) < 0
         || PyDict_SetItem(environ, PyTuple_GET_ITEM(keys, KEY_REQUEST),
                           args[0]) < 0
         ? -1 : environ_add_paths(environ, keys, r, base_uri);
    if (rc < 0) {
        Py_DECREF(app_text);
        Py_DECREF(environ);
        return NULL;
    }
    if (rc == 0) {
        Py_SETREF(environ, Py_NewRef(Py_None));
    }
    result = PyTuple_Pack(2, app_text, environ);
    Py_DECREF(app_text);
    Py_DECREF(environ);
    return result;
}

static PyObject *wsgi_sendfile(PyObject *module, PyObject *args)
{
    PyObject *req;
    request_rec *r;
    mp_request_state *state;
    int fd;
    long long offset, length;
    apr_file_t *borrowed = NULL, *file = NULL;
    apr_size_t sent = 0;
    apr_status_t rv;

    (void)module;
    if (!PyArg_ParseTuple(args, "OiLL:wsgi_sendfile", &req, &fd, &offset,
                          &length)) {
        return NULL;
    }
    r = wsgi_request(req, "wsgi_sendfile");
    if (r == NULL) {
        return NULL;
    }
    if (offset < 0 || length < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "wsgi_sendfile: offset and length must be >= 0");
        return NULL;
    }
    if (length == 0) {
        return PyLong_FromLong(0);
    }
    /* send a duplicate of the descriptor, an apr file of the request pool
     * with its own cleanup: the application closes its file (in close())
     * while the core output filter may still hold the bucket, and may
     * set the bucket aside into the connection's pool */
    rv = apr_os_file_put(&borrowed, &fd, APR_READ | APR_SENDFILE_ENABLED,
                         r->pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_dup(&file, borrowed, r->pool);
    }
    if (rv != APR_SUCCESS) {
        errno = (int)rv;        /* APR's codes for system errors are errno */
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
    state = ((mp_request *)req)->state;
    Py_BEGIN_ALLOW_THREADS
    state->wrote_to_apache = 1;
    rv = mp_request_write_buffered(state) < 0
         ? APR_EGENERAL
         : ap_send_fd(file, r, (apr_off_t)offset, (apr_size_t)length, &sent);
    Py_END_ALLOW_THREADS
    if (rv != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "wsgi_sendfile: sending failed "
                        "(client closed the connection?)");
        return NULL;
    }
    return PyLong_FromSize_t(sent);
}

static PyObject *wsgi_close_connection(PyObject *module, PyObject *req)
{
    request_rec *r = wsgi_request(req, "wsgi_close_connection");

    (void)module;
    if (r == NULL) {
        return NULL;
    }
    r->connection->keepalive = AP_CONN_CLOSE;
    Py_RETURN_NONE;
}

/* End a response whose body is partly sent and cannot be finished (the
 * application failed): what mod_python still buffers goes out, then an
 * error bucket HTTP_BAD_GATEWAY (what mod_proxy sends for a backend that
 * failed mid-body) and the end of the stream.  httpd's chunk filter then
 * leaves out the last chunk and the connection is closed, so the client
 * sees that the body is incomplete instead of a whole 200 response.
 * False, doing nothing, when no byte of the body reached Apache yet. */
static PyObject *wsgi_abort(PyObject *module, PyObject *req)
{
    request_rec *r = wsgi_request(req, "wsgi_abort");
    mp_request_state *state;
    apr_bucket_brigade *bb;
    conn_rec *c;

    (void)module;
    if (r == NULL) {
        return NULL;
    }
    state = ((mp_request *)req)->state;
    if (!state->wrote_to_apache) {
        Py_RETURN_FALSE;        /* nothing is out: a 500 can still replace it */
    }
    c = r->connection;
    c->keepalive = AP_CONN_CLOSE;
    Py_BEGIN_ALLOW_THREADS
    if (mp_request_write_buffered(state) >= 0) {
        bb = apr_brigade_create(r->pool, c->bucket_alloc);
        APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(
            HTTP_BAD_GATEWAY, NULL, r->pool, c->bucket_alloc));
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(c->bucket_alloc));
        (void)ap_pass_brigade(r->output_filters, bb);  /* the client may
                                                        * be gone: no matter */
        apr_brigade_cleanup(bb);
    }
    Py_END_ALLOW_THREADS
    Py_RETURN_TRUE;
}

PyMethodDef mp_wsgi_functions[] = {
    {"wsgi_environ", (PyCFunction)(void (*)(void))wsgi_environ, METH_FASTCALL,
     "wsgi_environ(req, template, keys): (mod_python.wsgi.application "
     "option, "
     "the PEP 3333 environ, or None when the URI is not under base_uri)"},
    {"wsgi_sendfile", wsgi_sendfile, METH_VARARGS,
     "wsgi_sendfile(req, fd, offset, length): send part of an open file"},
    {"wsgi_close_connection", wsgi_close_connection, METH_O,
     "wsgi_close_connection(req): no keep-alive after this response"},
    {"wsgi_abort", wsgi_abort, METH_O,
     "wsgi_abort(req): end a partly sent response as incomplete "
     "(False: nothing was sent)"},
    {NULL}
};
