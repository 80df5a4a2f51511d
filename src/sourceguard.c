/*
 * sourceguard.c - never send a handler's Python source as a file.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * A directory with `PythonHandler myscript` but no AddHandler/SetHandler
 * that gives the request to mod_python (forgotten, misspelt, or covering
 * another extension) leaves `myscript.py` to Apache's default handler,
 * which sends it as text/x-python: the handler's source, comments and
 * secrets included, and nothing logged.  This handler runs just before the
 * default one and refuses such a file with 403 and MP01010 in the error
 * log, wherever a Python*Handler of a <Directory> section (or .htaccess)
 * applies to it.  Directories without Python handlers are left alone: a
 * site may publish .py files for download there.
 *
 * Whether AddHandler/SetHandler reach a directory is only known per
 * request (they may come from <Location>, <Files>, .htaccess or
 * mod_rewrite's H= flag), so there is no start-up check: the refusal is
 * made, and logged, where it is exact (Doc/troubleshooting.rst).
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

/* .py, .pyc, .pyo, .pyw: what Python reads as source or byte code. */
static int is_python_file(const char *filename)
{
    const char *dot = strrchr(filename, '.');

    if (dot == NULL || strchr(dot, '/') != NULL) {
        return 0;
    }
    return strcasecmp(dot, ".py") == 0 || strcasecmp(dot, ".pyc") == 0
           || strcasecmp(dot, ".pyo") == 0 || strcasecmp(dot, ".pyw") == 0;
}

/* The first handler of a <Directory> section (or .htaccess) that applies
 * to this request, in any phase; NULL when there is none. */
static const mp_handler *directory_handler(const mp_dir_config *conf)
{
    int phase, i;

    for (phase = 0; phase < MP_PHASE_COUNT; phase++) {
        const apr_array_header_t *list = conf->handlers[phase];

        if (list == NULL) {
            continue;
        }
        for (i = 0; i < list->nelts; i++) {
            const mp_handler *h = &APR_ARRAY_IDX(list, i, mp_handler);

            if (h->directory != NULL) {
                return h;
            }
        }
    }
    return NULL;
}

/* handler: RUN_FIRST, APR_HOOK_LAST (after every module's own content
 * handler, before core's default handler that would send the file). */
static int mp_source_guard(request_rec *r)
{
    const mp_dir_config *conf;
    const mp_handler *h;

    if (r->handler != NULL && (strcmp(r->handler, "mod_python") == 0
                               || strcmp(r->handler, "python-program") == 0)) {
        return DECLINED;
    }
    if (r->filename == NULL || r->finfo.filetype != APR_REG
        || !is_python_file(r->filename)) {
        return DECLINED;
    }
    conf = ap_get_module_config(r->per_dir_config, &python_module);
    if (conf == NULL || (h = directory_handler(conf)) == NULL) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "mod_python: MP01010: not sending %s as a file: it is "
                  "Python source in a directory with %s %s (from %s), but "
                  "no AddHandler or SetHandler gives this URL to mod_python "
                  "(handler: %s); add `AddHandler mod_python .py' or "
                  "`SetHandler mod_python' to the section",
                  r->filename, h->directive, h->handler, h->directory,
                  r->handler ? r->handler : "none");
    return HTTP_FORBIDDEN;
}

void mp_source_guard_register_hooks(void)
{
    ap_hook_handler(mp_source_guard, NULL, NULL, APR_HOOK_LAST);
}
