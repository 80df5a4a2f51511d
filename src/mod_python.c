/*
 * mod_python.c - the module record and the request hooks.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Read this file top to bottom as the table of contents of the module:
 * the code that runs the Python handlers of one phase, one hook per
 * phase, and at the end the hook registration and the module record.
 * The configuration (structures, merge, directives and their table) is
 * config.c's.
 */
#include "mod_python.h"


/* ----------------------------------------------------- request state */

mp_request_state *mp_request_state_get(request_rec *r)
{
    mp_request_state *state = ap_get_module_config(r->request_config,
                                                   &python_module);

    if (state == NULL) {
        state = apr_pcalloc(r->pool, sizeof(*state));
        state->r = r;
        state->current_phase = -1;
        ap_set_module_config(r->request_config, &python_module, state);
    }
    return state;
}

/* The one place that names the interpreter a handler runs in (manual 4.1
 * and 5.4.4-5.4.6): for request r, or, r NULL, for a connection handler
 * or a filter of connection-level data of server s.  PythonInterpreter
 * wins; then PythonInterpPerDirectory and PythonInterpPerDirective (which
 * need a request); else the server's name. */
const char *mp_select_interpreter(request_rec *r, server_rec *s,
                                  mp_dir_config *conf, const mp_handler *h,
                                  int phase)
{
    if (conf->interpreter != NULL) {
        return conf->interpreter;
    }
    if (r != NULL && conf->interp_per_directory > 0) {
        if (phase <= MP_PHASE_TRANS || r->filename == NULL) {
            return MP_MAIN_INTERPRETER;
        }
        if (r->finfo.filetype == APR_DIR) {
            size_t len = strlen(r->filename);
            return len && r->filename[len - 1] == '/'
                   ? r->filename : apr_pstrcat(r->pool, r->filename, "/", NULL);
        }
        return ap_make_dirstr_parent(r->pool, r->filename);
    }
    if (r != NULL && conf->interp_per_directive > 0 && h->directory != NULL) {
        return h->directory;
    }
    if (r != NULL) {
        s = r->server;
    }
    return s->server_hostname ? s->server_hostname : MP_MAIN_INTERPRETER;
}

/* The extension of r->filename as "| .ext" lists name it (mod_python
 * 3.5): from the first dot of the last path component ("a.tar.gz" ->
 * ".tar.gz"); NULL without a filename or a dot. */
static const char *filename_extension(request_rec *r)
{
    const char *base, *dot;

    if (r->filename == NULL) {
        return NULL;
    }
    base = strrchr(r->filename, '/');
    dot = strchr(base ? base + 1 : r->filename, '.');
    return dot != NULL && dot[1] != '\0' ? dot : NULL;
}

static int extension_listed(const mp_handler *h, const char *ext)
{
    int i;

    for (i = 0; ext != NULL && i < h->extensions->nelts; i++) {
        if (strcmp(ext, APR_ARRAY_IDX(h->extensions, i, const char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does h run for r?  As in mod_python 3.5: when handlers of the phase
 * have a "| .ext" list naming the file's extension, only those run;
 * otherwise only the handlers without such a list. */
static int handler_applies(request_rec *r, const apr_array_header_t *handlers,
                           const mp_handler *h)
{
    const char *ext = filename_extension(r);
    int i;

    if (h->extensions != NULL) {
        return extension_listed(h, ext);
    }
    for (i = 0; ext != NULL && i < handlers->nelts; i++) {
        const mp_handler *other = &APR_ARRAY_IDX(handlers, i, mp_handler);

        if (other->extensions != NULL && extension_listed(other, ext)) {
            return 0;
        }
    }
    return 1;
}

/* The request object of interp for this request, created on first use.
 * Called with the GIL held.  Returns a borrowed reference. */
PyObject *mp_request_object(mp_request_state *state, mp_interp *interp)
{
    mp_request_link *link;
    PyObject *req;
    int i;

    if (state->objects == NULL) {
        state->objects = apr_array_make(state->r->pool, 1,
                                        sizeof(mp_request_link));
    }
    for (i = 0; i < state->objects->nelts; i++) {
        link = &APR_ARRAY_IDX(state->objects, i, mp_request_link);
        if (link->interp == interp) {
            return link->request;
        }
    }
    req = mp_request_new(state->r, state);
    if (req == NULL) {
        return NULL;
    }
    ((mp_request *)req)->interpreter = Py_NewRef(interp->name_obj);
    ((mp_request *)req)->interp = interp;
    link = apr_array_push(state->objects);
    link->interp = interp;
    link->request = req;
    mp_request_state_register_cleanup(state);
    return req;
}

int mp_handler_flags(const mp_dir_config *conf, const mp_handler *h)
{
    int flags = 0;

    if (conf->debug > 0) {
        flags |= MP_FLAG_DEBUG;
    }
    if (conf->autoreload != 0) {
        flags |= MP_FLAG_AUTORELOAD;
    }
    if (h->silent) {
        flags |= MP_FLAG_SILENT;
    }
    if (conf->enable_pdb > 0 && ap_exists_config_define("ONE_PROCESS")) {
        flags |= MP_FLAG_PDB;
    }
    return flags;
}

PyObject *mp_dispatch_args_call(PyObject *dispatch, PyObject *target,
                                PyObject *phase, const mp_handler *h,
                                int flags, const char *python_path)
{
    PyObject *args[6], *result = NULL;
    int first = target == NULL;

    args[0] = target;
    args[1] = phase;
    args[2] = PyUnicode_FromString(h->handler);
    args[3] = h->directory ? mp_str(h->directory) : Py_NewRef(Py_None);
    args[4] = PyLong_FromLong(flags);
    args[5] = python_path ? mp_str(python_path) : Py_NewRef(Py_None);
    if (args[2] && args[3] && args[4] && args[5]) {
        result = PyObject_Vectorcall(dispatch, args + first, 6 - first,
                                     NULL);
    }
    Py_XDECREF(args[2]);
    Py_XDECREF(args[3]);
    Py_XDECREF(args[4]);
    Py_XDECREF(args[5]);
    return result;
}

static const mp_handler *next_handler(request_rec *r, mp_dir_config *conf,
                                      mp_request_state *state, int phase,
                                      mp_handler_cursor *cursor);
static void release_objects_early(request_rec *r, mp_dir_config *conf,
                                  mp_request_state *state, mp_interp *interp);

long mp_dispatch_status(PyObject *result, server_rec *s, const char *phase,
                        const char *handler)
{
    long status;

    if (result == NULL) {
        char context[512];

        apr_snprintf(context, sizeof(context), "MP00003: internal error "
                     "dispatching %s %s", phase, handler);
        mp_log_python_error(s, context);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    status = PyLong_CheckExact(result) ? PyLong_AsLong(result) : -1;
    if (!PyLong_CheckExact(result) || (status == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: MP00004: the "
                     "dispatcher of %s %s returned %s, not a status", phase,
                     handler, Py_TYPE(result)->tp_name);
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    Py_DECREF(result);
    return status;
}

/* Is h one of the configured handlers of phase (not one added by
 * req.add_handler(), which lives in the request's memory)? */
static int configured_handler(const mp_dir_config *conf, const mp_handler *h,
                              int phase)
{
    const apr_array_header_t *list = conf->handlers[phase];

    return list != NULL && h >= (const mp_handler *)list->elts
           && h < (const mp_handler *)list->elts + list->nelts;
}

/* Run one handler; returns its status (or MP_SKIPPED). */
static int call_handler(request_rec *r, mp_request_state *state,
                        mp_dir_config *conf, const mp_handler *h, int phase,
                        const mp_handler_cursor *cursor)
{
    const char *name = mp_select_interpreter(r, NULL, conf, h, phase);
    mp_interp *interp;
    PyObject *req, *result = NULL;
    long status = HTTP_INTERNAL_SERVER_ERROR;
    int phase_index, flags, content_done = 0;

    interp = mp_acquire_interpreter(name, conf->gil, r->server);
    if (interp == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    req = mp_request_object(state, interp);
    if (req == NULL) {
        mp_log_python_error(r->server,
                            "MP00015: cannot create the request object");
        goto done;
    }
    phase_index = strcmp(h->directive, "PythonInitHandler") == 0
                  ? MP_PHASE_COUNT : phase;
    Py_XSETREF(((mp_request *)req)->phase,
               Py_NewRef(interp->phase_objs[phase_index]));
    state->current_phase = phase;
    state->current_directory = h->directory;
    state->current_handler = h;
    state->current_cursor = *cursor;
    state->current_location = h->location;

    flags = mp_handler_flags(conf, h);
    if ((flags & MP_FLAG_PDB) || !configured_handler(conf, h, phase)
        || !mp_fast_dispatch(interp, req, h, phase_index, flags,
                             conf->python_path, &status)) {
        result = mp_dispatch_args_call(interp->dispatch, req,
                                       interp->phase_objs[phase_index], h,
                                       flags, conf->python_path);
        status = mp_dispatch_status(result, r->server,
                                    mp_phase_directives[phase], h->handler);
    }
    if (phase == MP_PHASE_HANDLER) {
        mp_handler_cursor peek = *cursor;
        content_done = (status != OK && status != MP_SKIPPED)
                       || next_handler(r, conf, state, phase, &peek) == NULL;
        if (content_done && state->objects != NULL) {
            release_objects_early(r, conf, state, interp);
        }
    }

done:
    state->current_phase = -1;
    state->current_handler = NULL;
    mp_release_interpreter();
    if ((content_done && (status == OK || status == DONE)
         ? mp_request_finish_response(state)
         : mp_request_write_buffered(state)) < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "mod_python: MP00016: "
                      "writing the response failed (client gone?)");
    }
    return (int)status;
}

/* Run the handlers of one phase: the configured ones, then those added by
 * req.add_handler().  The first status other than OK ends the chain. */
/* The next handler of phase to run for r, or NULL; advances cursor.
 * Handlers may add handlers, so the dynamic list is re-read each time. */
static const mp_handler *next_handler(request_rec *r, mp_dir_config *conf,
                                      mp_request_state *state, int phase,
                                      mp_handler_cursor *cursor)
{
    apr_array_header_t *configured = conf->handlers[phase];

    while (configured != NULL && cursor->configured < configured->nelts) {
        const mp_handler *h = &APR_ARRAY_IDX(configured, cursor->configured++,
                                             mp_handler);
        if (handler_applies(r, configured, h)) {
            return h;
        }
    }
    while (state->dynamic != NULL && cursor->dynamic < state->dynamic->nelts) {
        mp_dynamic_handler *dyn = &APR_ARRAY_IDX(state->dynamic,
                                                 cursor->dynamic++,
                                                 mp_dynamic_handler);
        if (dyn->phase == phase) {
            return &dyn->handler;
        }
    }
    return NULL;
}

const mp_handler *mp_next_handler(request_rec *r, mp_request_state *state,
                                  int phase, mp_handler_cursor *cursor)
{
    return next_handler(r, ap_get_module_config(r->per_dir_config,
                                                &python_module),
                        state, phase, cursor);
}

/* Is a mod_python filter in this filter chain? */
static int has_python_filter(ap_filter_t *f, int input)
{
    for (; f != NULL; f = f->next) {
        if (input ? f->frec->filter_func.in_func == mp_input_filter
                  : f->frec->filter_func.out_func == mp_output_filter) {
            return 1;
        }
    }
    return 0;
}

/* After the content handler: when no Python can run again for r (no
 * log or cleanup handlers, no registered cleanups, no Python filters),
 * drop the request objects now, while interp's GIL is held, instead of
 * taking the GIL again when the request pool is destroyed.  That happens
 * after the response went out, when the client's next request is already
 * competing for the GIL. */
static void release_objects_early(request_rec *r, mp_dir_config *conf,
                                  mp_request_state *state, mp_interp *interp)
{
    int i;

    if (conf->handlers[MP_PHASE_LOG] != NULL
        || conf->handlers[MP_PHASE_CLEANUP] != NULL
        || has_python_filter(r->output_filters, 0)
        || has_python_filter(r->input_filters, 1)) {
        return;
    }
    for (i = 0; state->dynamic != NULL && i < state->dynamic->nelts; i++) {
        int later = APR_ARRAY_IDX(state->dynamic, i, mp_dynamic_handler).phase;
        if (later == MP_PHASE_LOG || later == MP_PHASE_CLEANUP) {
            return;
        }
    }
    for (i = 0; i < state->objects->nelts; i++) {
        mp_request_link *link = &APR_ARRAY_IDX(state->objects, i,
                                               mp_request_link);
        if (link->interp != interp
            || ((mp_request *)link->request)->cleanups != NULL) {
            return;
        }
    }
    for (i = 0; i < state->objects->nelts; i++) {
        mp_request_link *link = &APR_ARRAY_IDX(state->objects, i,
                                               mp_request_link);
        mp_request_invalidate((mp_request *)link->request);
        Py_CLEAR(link->request);
    }
    state->objects = NULL;
}

static int run_phase(request_rec *r, int phase)
{
    mp_dir_config *conf = ap_get_module_config(r->per_dir_config,
                                               &python_module);
    mp_request_state *state = ap_get_module_config(r->request_config,
                                                   &python_module);
    mp_handler_cursor cursor = {0, 0};
    const mp_handler *h;
    int ran = 0, status;

    if (conf->handlers[phase] == NULL
        && (state == NULL || state->dynamic == NULL)) {
        return DECLINED;
    }
    if (state == NULL) {
        state = mp_request_state_get(r);
    }
    for (h = next_handler(r, conf, state, phase, &cursor); h != NULL;
         h = next_handler(r, conf, state, phase, &cursor)) {
        status = call_handler(r, state, conf, h, phase, &cursor);
        if (status == MP_SKIPPED) {
            continue;
        }
        ran = 1;
        if (status != OK) {
            return status;
        }
    }
    return ran ? OK : DECLINED;
}

/* r->pool cleanup: callables of req.register_cleanup(), then
 * PythonCleanupHandler, then the request objects are invalidated. */
static void run_registered_cleanups(mp_request_state *state)
{
    int i;

    for (i = 0; state->objects && i < state->objects->nelts; i++) {
        mp_request_link *link = &APR_ARRAY_IDX(state->objects, i,
                                               mp_request_link);
        mp_request *req = (mp_request *)link->request;
        PyObject *result;

        if (req->cleanups == NULL) {
            continue;
        }
        if (mp_acquire_interpreter(link->interp->name, MP_GIL_UNSET,
                                   state->r->server)) {
            result = PyObject_CallOneArg(link->interp->run_cleanups,
                                         link->request);
            if (result == NULL) {
                mp_log_python_error(state->r->server,
                                    "MP00017: error in cleanups");
            }
            Py_XDECREF(result);
            mp_release_interpreter();
        }
    }
}

static apr_status_t request_cleanup(void *data)
{
    mp_request_state *state = data;
    int i;

    run_registered_cleanups(state);
    (void)run_phase(state->r, MP_PHASE_CLEANUP);
    mp_mutex_release_leftovers(state->r);     /* mutex.c */
    for (i = 0; state->objects && i < state->objects->nelts; i++) {
        mp_request_link *link = &APR_ARRAY_IDX(state->objects, i,
                                               mp_request_link);
        if (mp_acquire_interpreter(link->interp->name, MP_GIL_UNSET,
                                   state->r->server)) {
            mp_request_invalidate((mp_request *)link->request);
            Py_CLEAR(link->request);
            mp_release_interpreter();
        }
    }
    state->objects = NULL;
    return APR_SUCCESS;
}

void mp_request_state_register_cleanup(mp_request_state *state)
{
    if (!state->cleanup_registered) {
        state->cleanup_registered = 1;
        apr_pool_cleanup_register(state->r->pool, state, request_cleanup,
                                  apr_pool_cleanup_null);
    }
}

/* --------------------------------------------------------------- hooks */

/* pre_config: RUN_ALL, in the parent before each (re)read of the config. */
static int mp_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    mp_filter_registry_reset(pconf);
    mp_config_reset(pconf);
    return OK;
}

/* "Python/3.11.2": the version of the libpython we run with (Py_GetVersion
 * needs no running interpreter), as mod_python 3.5 shows it. */
static const char *python_version_token(apr_pool_t *p)
{
    const char *version = Py_GetVersion();
    size_t len = strcspn(version, " ");

    return apr_pstrcat(p, "Python/", apr_pstrmemdup(p, version, len), NULL);
}

/* post_config: RUN_ALL, in the parent after each (re)read of the config.
 * Python is not started here; only the version banner is added. */
static int mp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    (void)plog; (void)ptemp;
    ap_add_version_component(pconf, "mod_python/" MP_VERSION_STRING);
    ap_add_version_component(pconf, python_version_token(pconf));
    mp_config_checked(s);
    return OK;
}

static void run_imports(server_rec *main_server)
{
    apr_array_header_t *seen = NULL;
    server_rec *s;
    int i;

    for (s = main_server; s != NULL; s = s->next) {
        mp_server_config *sconf = ap_get_module_config(s->module_config,
                                                       &python_module);
        mp_dir_config *dconf = ap_get_module_config(s->lookup_defaults,
                                                    &python_module);
        const char *python_path = dconf->python_path;

        if (sconf->imports == seen) {
            continue;
        }
        seen = sconf->imports;
        for (i = 0; i < sconf->imports->nelts; i++) {
            mp_import *imp = &APR_ARRAY_IDX(sconf->imports, i, mp_import);
            mp_interp *interp = mp_acquire_interpreter(imp->interpreter,
                                                       dconf->gil, s);
            PyObject *result;

            if (interp == NULL) {
                continue;
            }
            result = PyObject_CallFunction(interp->import_module, "sz",
                                           imp->module, python_path);
            if (result == NULL) {
                mp_log_python_error(s, apr_psprintf(s->process->pool,
                    "MP00018: PythonImport %s %s failed", imp->module,
                    imp->interpreter));
            }
            Py_XDECREF(result);
            mp_release_interpreter();
        }
    }
}

/* child_init: RUN_ALL, once in each new child process. */
static void mp_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (mp_python_init(pchild, s) == 0) {
        run_imports(s);
    }
}

/* post_read_request: RUN_ALL, after the request line and headers are read.
 * PythonPostReadRequestHandler and server-level PythonInitHandler. */
static int mp_post_read_request(request_rec *r)
{
    return run_phase(r, MP_PHASE_POST_READ_REQUEST);
}

/* translate_name: RUN_FIRST, URI -> filename. */
static int mp_translate_name(request_rec *r)
{
    return run_phase(r, MP_PHASE_TRANS);
}

/* translate_name, after every module but core's own mapping (so Alias,
 * mod_rewrite, ProxyPass and UserDir still map first): a request that
 * goes to a PythonHandler configured in <Location>/<LocationMatch>, with
 * SetHandler mod_python there too, is not mapped to the file system, as
 * mod_python 3.5 did -- such a URL names no file, and mapping it costs
 * httpd a stat() per path component.  req.filename stays None, path_info
 * is the URI after the <Location> path, and the <Directory> and <Files>
 * sections and .htaccess files of the path do not apply; the <Location>
 * ones (Require included) still do.  Mapped as usual when a handler needs
 * the file: publisher, psp, cgihandler, a "| .ext" list,
 * PythonInterpPerDirectory (Doc/handlers.rst, "Handlers in <Location>"). */
static int mp_map_location(request_rec *r)
{
    const mp_dir_config *conf = ap_get_module_config(r->per_dir_config,
                                                     &python_module);
    const apr_array_header_t *handlers = conf->handlers[MP_PHASE_HANDLER];
    const core_dir_config *core;
    const char *handler, *location, *err = NULL;
    int i;

    if (handlers == NULL || conf->interp_per_directory > 0 || r->proxyreq) {
        return DECLINED;
    }
    for (i = 0; i < handlers->nelts; i++) {
        const mp_handler *h = &APR_ARRAY_IDX(handlers, i, mp_handler);

        if (!h->in_location || h->extensions != NULL || h->reads_file) {
            return DECLINED;
        }
    }
    core = ap_get_core_module_config(r->per_dir_config);
    if (core->expr_handler == NULL) {
        return DECLINED;
    }
    handler = ap_expr_str_exec(r, core->expr_handler, &err);
    if (err != NULL || handler == NULL
        || (strcmp(handler, "mod_python") != 0
            && strcmp(handler, "python-program") != 0)) {
        return DECLINED;
    }
    mp_request_state_get(r)->unmapped = 1;
    /* req.path_info: the URI after the <Location> path, what the file
     * system walk gave such a handler when the path named no directory */
    location = APR_ARRAY_IDX(handlers, 0, mp_handler).location;
    if (location != NULL && strncmp(r->uri, location, strlen(location)) == 0) {
        r->path_info = apr_pstrdup(r->pool, r->uri + strlen(location));
    }
    return OK;
}

/* map_to_storage: RUN_FIRST, before core's walk of <Directory> sections
 * and .htaccess files: done for a URL mp_map_location left unmapped (core
 * would only log "AH00029: Module bug? Request filename is missing").
 * TRACE still goes to httpd's own answer. */
static int mp_map_to_storage(request_rec *r)
{
    const mp_request_state *state = ap_get_module_config(r->request_config,
                                                         &python_module);

    return state != NULL && state->unmapped && r->method_number != M_TRACE
           ? OK : DECLINED;
}

/* header_parser: RUN_ALL, first hook with the per-directory config. */
static int mp_header_parser(request_rec *r)
{
    mp_dir_config *conf = ap_get_module_config(r->per_dir_config,
                                               &python_module);

    if (conf->handlers[MP_PHASE_CLEANUP] != NULL) {
        mp_request_state_register_cleanup(mp_request_state_get(r));
    }
    return run_phase(r, MP_PHASE_HEADER_PARSER);
}

/* access_checker: RUN_ALL, host/IP based restrictions. */
static int mp_access_checker(request_rec *r)
{
    return run_phase(r, MP_PHASE_ACCESS);
}

/* check_authn: RUN_FIRST, who is the user (runs when auth is required). */
static int mp_check_authn(request_rec *r)
{
    int status = run_phase(r, MP_PHASE_AUTHEN);
    const char *user = NULL;

    /* a handler that accepted the request without calling
     * get_basic_auth_pw() vouched for the user name the client sent */
    if (status == OK && r->user == NULL
        && ap_get_basic_auth_components(r, &user, NULL) == APR_SUCCESS) {
        r->user = apr_pstrdup(r->pool, user);
    }
    /* and the request was authenticated the AuthType way, as mod_auth_basic
     * records it (AUTH_TYPE of CGI and WSGI, req.ap_auth_type) */
    if (status == OK && r->user != NULL && r->ap_auth_type == NULL) {
        r->ap_auth_type = (char *)ap_auth_type(r);
    }

    /* a 401 must tell the client how to authenticate */
    if (status == HTTP_UNAUTHORIZED
        && apr_table_get(r->err_headers_out, "WWW-Authenticate") == NULL) {
        const char *type = ap_auth_type(r);
        const char *realm = ap_auth_name(r);

        if (type != NULL && strcasecmp(type, "Basic") == 0) {
            apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                           apr_pstrcat(r->pool, "Basic realm=\"",
                                       ap_escape_quotes(r->pool,
                                                        realm ? realm : ""),
                                       "\"", NULL));
        }
        else if (type != NULL) {
            ap_note_auth_failure(r);
        }
    }
    return status;
}

/* check_authz: RUN_FIRST, may this user have the resource. */
static int mp_check_authz(request_rec *r)
{
    return run_phase(r, MP_PHASE_AUTHZ);
}

/* type_checker: RUN_FIRST, content type and language. */
static int mp_type_checker(request_rec *r)
{
    return run_phase(r, MP_PHASE_TYPE);
}

/* fixups: RUN_ALL, last chance before the content handler. */
static int mp_fixups(request_rec *r)
{
    return run_phase(r, MP_PHASE_FIXUP);
}

/* handler: RUN_FIRST, the content; only for SetHandler/AddHandler
 * mod_python or python-program. */
static int mp_handler_hook(request_rec *r)
{
    if (r->handler == NULL || (strcmp(r->handler, "mod_python") != 0
                               && strcmp(r->handler, "python-program") != 0)) {
        return DECLINED;
    }
    return run_phase(r, MP_PHASE_HANDLER);
}

/* log_transaction: RUN_ALL, after the response was sent. */
static int mp_log_transaction(request_rec *r)
{
    return run_phase(r, MP_PHASE_LOG);
}


static void register_hooks(apr_pool_t *p)
{
    (void)p;
    mp_filter_register_generic();
    mp_ssi_register_hooks();        /* <!--#python--> when mod_include is in */
    mp_source_guard_register_hooks(); /* no .py sent as text (sourceguard.c) */
    ap_hook_pre_config(mp_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mp_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(mp_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_translate_name(mp_translate_name, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(mp_map_location, NULL, NULL, APR_HOOK_LAST);
    ap_hook_map_to_storage(mp_map_to_storage, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_header_parser(mp_header_parser, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_access_checker(mp_access_checker, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(mp_check_authn, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(mp_check_authz, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_type_checker(mp_type_checker, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(mp_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(mp_handler_hook, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(mp_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
    mp_mutex_register_hooks();      /* mutex.c: _apache._global_lock */
    /* process_connection: RUN_FIRST, before the HTTP protocol module */
    ap_hook_process_connection(mp_process_connection, NULL, NULL,
                               APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(python) = {
    STANDARD20_MODULE_STUFF,
    mp_create_dir_config,
    mp_merge_dir_config,
    mp_create_server_config,
    mp_merge_server_config,
    mp_python_commands,
    register_hooks
};
