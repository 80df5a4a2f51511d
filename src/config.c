/*
 * config.c - mod_python's configuration: the per-directory and per-server
 * structures and their merge, the directive handlers, and the directive
 * table (the module record, in mod_python.c, points here).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Everything here runs while httpd reads its configuration (in the
 * parent, and again on every restart); a bad directive is refused with a
 * message naming it.
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

const char *const mp_phase_directives[MP_PHASE_COUNT] = {
    "PythonPostReadRequestHandler",
    "PythonTransHandler",
    "PythonHeaderParserHandler",
    "PythonAccessHandler",
    "PythonAuthenHandler",
    "PythonAuthzHandler",
    "PythonTypeHandler",
    "PythonFixupHandler",
    "PythonHandler",
    "PythonLogHandler",
    "PythonCleanupHandler",
};

int mp_phase_from_directive(const char *directive)
{
    int i;

    for (i = 0; i < MP_PHASE_COUNT; i++) {
        if (strcasecmp(directive, mp_phase_directives[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* ------------------------------------------------------ configuration */

void *mp_create_dir_config(apr_pool_t *p, char *dir)
{
    mp_dir_config *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->options = apr_table_make(p, 2);
    conf->directives = apr_table_make(p, 2);
    conf->debug = -1;
    conf->autoreload = -1;
    conf->interp_per_directory = -1;
    conf->interp_per_directive = -1;
    conf->enable_pdb = -1;
    conf->gil = MP_GIL_UNSET;
    return conf;
}

#define MERGE_INT(field) conf->field = add->field != -1 ? add->field : base->field
#define MERGE_PTR(field) conf->field = add->field ? add->field : base->field

/* Inner sections override the handler list of a phase they set, and add
 * to the options and directives of the outer ones. */
void *mp_merge_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    mp_dir_config *base = basev, *add = addv;
    mp_dir_config *conf = apr_pcalloc(p, sizeof(*conf));
    int i;

    for (i = 0; i < MP_PHASE_COUNT; i++) {
        MERGE_PTR(handlers[i]);
    }
    conf->options = apr_table_overlay(p, base->options, add->options);
    apr_table_compress(conf->options, APR_OVERLAP_TABLES_SET);
    conf->directives = apr_table_overlay(p, base->directives, add->directives);
    apr_table_compress(conf->directives, APR_OVERLAP_TABLES_SET);
    MERGE_PTR(interpreter);
    MERGE_PTR(python_path);
    MERGE_INT(debug);
    MERGE_INT(autoreload);
    MERGE_INT(interp_per_directory);
    MERGE_INT(interp_per_directive);
    MERGE_INT(enable_pdb);
    MERGE_INT(gil);
    MERGE_PTR(gil_where);
    return conf;
}

void *mp_create_server_config(apr_pool_t *p, server_rec *s)
{
    mp_server_config *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->imports = apr_array_make(p, 2, sizeof(mp_import));
    conf->optimize = -1;
    return conf;
}

void *mp_merge_server_config(apr_pool_t *p, void *basev, void *addv)
{
    mp_server_config *base = basev, *add = addv;
    mp_server_config *conf = apr_pcalloc(p, sizeof(*conf));

    conf->imports = add->imports;   /* each server imports its own */
    MERGE_INT(optimize);
    MERGE_PTR(connection_handler);
    return conf;
}

/* A copy of a PythonOption table in p without the keys that a
 * "PythonOption key" (no value) removed. */
apr_table_t *mp_visible_options(apr_pool_t *p, const apr_table_t *options)
{
    const apr_array_header_t *elts = apr_table_elts(options);
    const apr_table_entry_t *entry = (const apr_table_entry_t *)elts->elts;
    apr_table_t *visible = apr_table_make(p, elts->nelts);
    int i;

    for (i = 0; i < elts->nelts; i++) {
        if (entry[i].key != NULL && entry[i].val != NULL
            && entry[i].val[0] != '\0') {
            apr_table_addn(visible, entry[i].key, entry[i].val);
        }
    }
    return visible;
}

/* ---------------------------------------------------------- directives */

/* The directory a directive applies to, for sys.path and
 * PythonInterpPerDirective: the enclosing <Directory> path or the
 * directory of the .htaccess file; NULL at server level, in a virtual
 * host and inside <Location>. */
static const char *directive_directory(cmd_parms *cmd)
{
    const ap_directive_t *d;
    int in_files = 0;

    if (cmd->path == NULL) {
        return NULL;
    }
    for (d = cmd->directive ? cmd->directive->parent : NULL; d; d = d->parent) {
        if (strncasecmp(d->directive, "<Location", 9) == 0
            || strncasecmp(d->directive, "<VirtualHost", 12) == 0) {
            return NULL;
        }
        if (strncasecmp(d->directive, "<Files", 6) == 0) {
            in_files = 1;   /* look further out for the directory */
            continue;
        }
        if (strncasecmp(d->directive, "<Directory", 10) == 0) {
            const char *args = d->args;
            char *path = ap_getword_conf(cmd->pool, &args);
            char *end = strrchr(path, '>');

            if (end != NULL && end[1] == '\0') {
                *end = '\0';
            }
            if (*path && path[strlen(path) - 1] != '/') {
                path = apr_pstrcat(cmd->pool, path, "/", NULL);
            }
            return path;
        }
    }
    /* no enclosing section that names a directory */
    if (cmd->override & (ACCESS_CONF | RSRC_CONF)) {
        return NULL;        /* <Files> at server level */
    }
    if (!in_files) {
        return cmd->path;   /* .htaccess: cmd->path is its directory */
    }
    return cmd->directive && cmd->directive->filename
           ? ap_make_dirstr_parent(cmd->pool, cmd->directive->filename)
           : NULL;
}

/* Is the directive inside a <Location> or <LocationMatch> section? */
static int directive_in_location(cmd_parms *cmd)
{
    const ap_directive_t *d;

    for (d = cmd->directive ? cmd->directive->parent : NULL; d; d = d->parent) {
        if (strncasecmp(d->directive, "<Location", 9) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The path of the <Location> section a directive is in, without its
 * trailing slashes ("/" gives ""): the SCRIPT_NAME of mod_python.wsgi.
 * NULL outside <Location> and in <LocationMatch> or <Location ~ regex>,
 * whose text is no URL prefix. */
static const char *directive_location(cmd_parms *cmd)
{
    const ap_directive_t *d;
    char *path;
    size_t len;

    for (d = cmd->directive ? cmd->directive->parent : NULL; d; d = d->parent) {
        if (strcasecmp(d->directive, "<Location") == 0) {
            break;
        }
        if (strncasecmp(d->directive, "<Location", 9) == 0
            || strncasecmp(d->directive, "<Directory", 10) == 0
            || strncasecmp(d->directive, "<VirtualHost", 12) == 0) {
            return NULL;
        }
    }
    if (d == NULL || cmd->path == NULL || cmd->path[0] != '/') {
        return NULL;        /* not in <Location>, or a "~" regex */
    }
    path = apr_pstrdup(cmd->pool, cmd->path);
    len = strlen(path);
    while (len > 0 && path[len - 1] == '/') {
        path[--len] = '\0';
    }
    return path;
}

/* module[.module...][::object[.object...]], each part an identifier. */
static int handler_text_valid(const char *text)
{
    const char *sep = strstr(text, "::");
    const char *p;
    int at_start = 1;

    for (p = text; *p; p++) {
        if (sep != NULL && p == sep) {
            if (at_start) {
                return 0;
            }
            p++;
            at_start = 1;
            continue;
        }
        if (*p == '.') {
            if (at_start) {
                return 0;
            }
            at_start = 1;
            continue;
        }
        if (!(apr_isalnum((unsigned char)*p) || *p == '_')
            || (at_start && apr_isdigit((unsigned char)*p))) {
            return 0;
        }
        at_start = 0;
    }
    return !at_start;
}

/* Is the handler one of mod_python's own that load the file the URL maps
 * to (req.filename): a request for it is always mapped to the file
 * system, <Location> or not (mod_python.c, mp_map_location). */
static int handler_reads_file(const char *handler)
{
    static const char *const readers[] = {
        "mod_python.publisher", "mod_python.psp", "mod_python.cgihandler",
    };
    size_t len = strcspn(handler, ":");
    size_t i;

    for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
        if (strlen(readers[i]) == len && strncmp(handler, readers[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

static void add_handler_entry(cmd_parms *cmd, mp_dir_config *conf, int phase,
                              const char *handler, const char *directive,
                              apr_array_header_t *extensions, int silent)
{
    mp_handler *h;

    if (conf->handlers[phase] == NULL) {
        conf->handlers[phase] = apr_array_make(cmd->pool, 1, sizeof(mp_handler));
    }
    h = apr_array_push(conf->handlers[phase]);
    h->handler = handler;
    h->directive = directive;
    h->directory = directive_directory(cmd);
    h->location = directive_location(cmd);
    h->extensions = extensions;
    h->silent = silent;
    h->in_location = directive_in_location(cmd);
    h->reads_file = handler_reads_file(handler);
}

/* Python*Handler handler [handler ...] [| .ext [.ext ...]] */
static const char *set_phase_handler(cmd_parms *cmd, void *mconfig,
                                     const char *args)
{
    mp_dir_config *conf = mconfig;
    const char *directive = cmd->cmd->name;
    apr_array_header_t *handlers = apr_array_make(cmd->temp_pool, 2,
                                                  sizeof(char *));
    apr_array_header_t *extensions = NULL;
    int phase = (int)(apr_uintptr_t)cmd->info;
    const char *word;
    int i;

    if (phase == MP_PHASE_POST_READ_REQUEST || phase == MP_PHASE_TRANS) {
        const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
        if (err != NULL) {
            return err;
        }
    }
    if (phase == -1) {  /* PythonInitHandler */
        phase = cmd->path == NULL ? MP_PHASE_POST_READ_REQUEST
                                  : MP_PHASE_HEADER_PARSER;
    }
    while (*(word = ap_getword_conf(cmd->pool, &args)) != '\0') {
        if (strcmp(word, "|") == 0) {
            extensions = apr_array_make(cmd->pool, 2, sizeof(char *));
            continue;
        }
        if (extensions != NULL) {
            if (word[0] != '.' || word[1] == '\0') {
                return apr_psprintf(cmd->pool, "%s: '%s' is not a file "
                                    "extension (expected .ext after |)",
                                    directive, word);
            }
            APR_ARRAY_PUSH(extensions, const char *) = word;
            continue;
        }
        if (!handler_text_valid(word)) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not a handler "
                                "(expected module[::object])", directive, word);
        }
        APR_ARRAY_PUSH(handlers, const char *) = word;
    }
    if (handlers->nelts == 0) {
        return apr_psprintf(cmd->pool, "%s needs at least one handler "
                            "(module[::object])", directive);
    }
    if (extensions != NULL && extensions->nelts == 0) {
        return apr_psprintf(cmd->pool, "%s: expected file extensions after |",
                            directive);
    }
    for (i = 0; i < handlers->nelts; i++) {
        add_handler_entry(cmd, conf, phase, APR_ARRAY_IDX(handlers, i, char *),
                          directive, extensions, 0);
    }
    return NULL;
}

/* PythonHandlerModule module: module::<phase default> for every phase. */
static const char *set_handler_module(cmd_parms *cmd, void *mconfig,
                                      const char *module)
{
    mp_dir_config *conf = mconfig;
    int phase;

    if (!handler_text_valid(module) || strstr(module, "::") != NULL) {
        return apr_psprintf(cmd->pool, "PythonHandlerModule: '%s' is not a "
                            "module name", module);
    }
    for (phase = 0; phase < MP_PHASE_COUNT; phase++) {
        if ((phase == MP_PHASE_POST_READ_REQUEST || phase == MP_PHASE_TRANS)
            && cmd->path != NULL) {
            continue;
        }
        add_handler_entry(cmd, conf, phase, module, mp_phase_directives[phase],
                          NULL, 1);
    }
    return NULL;
}

/* On/Off directives, stored at the offset in cmd->info. */
static const char *set_dir_flag(cmd_parms *cmd, void *mconfig, int on)
{
    mp_dir_config *conf = mconfig;
    int *field = (int *)((char *)conf + (apr_uintptr_t)cmd->info);

    *field = on;
    apr_table_set(conf->directives, cmd->cmd->name, on ? "1" : "0");
    return NULL;
}

/* PythonInterpreterGIL, as far as the configuration tells: interpreter
 * name -> the GIL of the first section naming both (pconf; read-only in
 * the children).  Sections that disagree about a name are refused. */
typedef struct {
    int gil;
    const char *where;            /* "file:line" of PythonInterpreterGIL */
} mp_gil_claim;

static apr_hash_t *gil_claims;
static int gil_directive_seen;    /* for MP11001 (Python < 3.12) */

int mp_configured_gil(const char *name)
{
    mp_gil_claim *claim = gil_claims ? apr_hash_get(gil_claims, name,
                                                    APR_HASH_KEY_STRING)
                                     : NULL;

    return claim ? claim->gil : MP_GIL_UNSET;
}

static const char *gil_word(int gil)
{
    return gil == MP_GIL_OWN ? "own" : "shared";
}

/* Record the GIL of conf's interpreter when this section names both. */
static const char *claim_gil(cmd_parms *cmd, mp_dir_config *conf)
{
    mp_gil_claim *claim;

    if (conf->interpreter == NULL || conf->gil == MP_GIL_UNSET) {
        return NULL;
    }
    if (conf->gil == MP_GIL_OWN
        && strcmp(conf->interpreter, MP_MAIN_INTERPRETER) == 0) {
        return "PythonInterpreterGIL own cannot apply to main_interpreter: "
               "the main interpreter's GIL is the one the other "
               "interpreters share (name another interpreter with "
               "PythonInterpreter)";
    }
    claim = apr_hash_get(gil_claims, conf->interpreter, APR_HASH_KEY_STRING);
    if (claim != NULL && claim->gil != conf->gil) {
        return apr_psprintf(cmd->pool, "PythonInterpreterGIL %s for "
                            "interpreter '%s' contradicts "
                            "PythonInterpreterGIL %s for it at %s: an "
                            "interpreter is created once, with one GIL",
                            gil_word(conf->gil), conf->interpreter,
                            gil_word(claim->gil), claim->where);
    }
    if (claim == NULL) {
        claim = apr_palloc(cmd->pool, sizeof(*claim));
        claim->gil = conf->gil;
        claim->where = conf->gil_where;
        apr_hash_set(gil_claims, apr_pstrdup(cmd->pool, conf->interpreter),
                     APR_HASH_KEY_STRING, claim);
    }
    return NULL;
}

static const char *set_interpreter(cmd_parms *cmd, void *mconfig,
                                   const char *name)
{
    mp_dir_config *conf = mconfig;

    if (*name == '\0') {
        return "PythonInterpreter needs a non-empty interpreter name";
    }
    conf->interpreter = name;
    apr_table_set(conf->directives, cmd->cmd->name, name);
    return claim_gil(cmd, conf);
}

/* PythonInterpreterGIL own|shared */
static const char *set_interpreter_gil(cmd_parms *cmd, void *mconfig,
                                       const char *value)
{
    mp_dir_config *conf = mconfig;

    if (strcasecmp(value, "own") == 0) {
        conf->gil = MP_GIL_OWN;
    }
    else if (strcasecmp(value, "shared") == 0) {
        conf->gil = MP_GIL_SHARED;
    }
    else {
        return apr_psprintf(cmd->pool, "PythonInterpreterGIL takes 'own' or "
                            "'shared', not '%s'", value);
    }
    conf->gil_where = cmd->directive
        ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                       cmd->directive->line_num)
        : "?";
    gil_directive_seen = 1;
    apr_table_set(conf->directives, cmd->cmd->name, gil_word(conf->gil));
    return claim_gil(cmd, conf);
}

static const char *set_python_path(cmd_parms *cmd, void *mconfig,
                                   const char *path)
{
    mp_dir_config *conf = mconfig;
    const char *problem;

    if (*path == '\0') {
        return "PythonPath needs a Python expression giving a list, "
               "e.g. PythonPath \"sys.path+['/mydir']\"";
    }
    problem = mp_python_path_problem(cmd->pool, path);   /* pythonpath.c */
    if (problem != NULL) {
        return apr_psprintf(cmd->pool, "PythonPath %s: %s", path, problem);
    }
    conf->python_path = path;
    apr_table_set(conf->directives, cmd->cmd->name, path);
    return NULL;
}

/* PythonOption key [value]: without a value, or with "", the key is
 * removed, also when an outer section set it.  The empty value stays in
 * this section's table as the mark that overrides the outer one in the
 * merge; the tables handlers see leave such keys out. */
static const char *set_option(cmd_parms *cmd, void *mconfig,
                              const char *key, const char *value)
{
    mp_dir_config *conf = mconfig;

    (void)cmd;
    apr_table_set(conf->options, key, value != NULL ? value : "");
    return NULL;
}

/* The checks of a server-level directive naming a handler (PythonImport,
 * the filters, PythonConnectionHandler): outside <Directory> and the
 * like, and text of the form expected; an error message or NULL. */
static const char *server_handler_text(cmd_parms *cmd, const char *text,
                                       const char *expected)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);

    if (err != NULL) {
        return err;
    }
    if (!handler_text_valid(text)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a %s (expected %s)",
                            cmd->cmd->name, text,
                            strcmp(cmd->cmd->name, "PythonImport") == 0
                            ? "module name" : "handler", expected);
    }
    return NULL;
}

static const char *set_import(cmd_parms *cmd, void *mconfig,
                              const char *module, const char *interpreter)
{
    mp_server_config *sconf = ap_get_module_config(cmd->server->module_config,
                                                   &python_module);
    const char *err = server_handler_text(cmd, module,
                                          "module or module::function");
    mp_import *imp;

    (void)mconfig;
    if (err != NULL) {
        return err;
    }
    imp = apr_array_push(sconf->imports);
    imp->module = module;
    imp->interpreter = interpreter;
    return NULL;
}

/* PythonInputFilter / PythonOutputFilter handler name */
static const char *set_filter(cmd_parms *cmd, void *mconfig,
                              const char *handler, const char *name)
{
    const char *err = server_handler_text(cmd, handler, "module[::object]");

    (void)mconfig;
    if (err != NULL) {
        return err;
    }
    if (*name == '\0') {
        return apr_psprintf(cmd->pool, "%s needs a filter name",
                            cmd->cmd->name);
    }
    return mp_filter_register(cmd, handler, name, cmd->info != NULL);
}

/* PythonConnectionHandler handler */
static const char *set_connection_handler(cmd_parms *cmd, void *mconfig,
                                          const char *handler)
{
    mp_server_config *sconf = ap_get_module_config(cmd->server->module_config,
                                                   &python_module);
    const char *err = server_handler_text(cmd, handler, "module[::object]");
    mp_handler *h;

    (void)mconfig;
    if (err != NULL) {
        return err;
    }
    h = apr_pcalloc(cmd->pool, sizeof(*h));
    h->handler = handler;
    h->directive = "PythonConnectionHandler";
    sconf->connection_handler = h;
    return NULL;
}

static const char *set_optimize(cmd_parms *cmd, void *mconfig, int on)
{
    mp_server_config *sconf = ap_get_module_config(cmd->server->module_config,
                                                   &python_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)mconfig;
    if (err != NULL) {
        return err;
    }
    sconf->optimize = on;
    return NULL;
}

/* pre_config: forget the previous configuration's interpreter claims. */
void mp_config_reset(apr_pool_t *pconf)
{
    gil_claims = apr_hash_make(pconf);
    gil_directive_seen = 0;
}

/* post_config: what can only be said once the whole configuration is
 * read. */
void mp_config_checked(server_rec *s)
{
#if PY_VERSION_HEX < 0x030C0000
    /* once per configuration (not in the trial read at start-up) */
    if (gil_directive_seen
        && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "mod_python: MP11001: PythonInterpreterGIL has no "
                     "effect with Python %s: interpreters have their own "
                     "GIL from Python 3.12 on; every interpreter shares "
                     "one", PY_VERSION);
    }
#else
    (void)s;
#endif
}

/* ------------------------------------------------ directive table */

#define PHASE_DIRECTIVE(name, phase, where, help) \
    AP_INIT_RAW_ARGS(name, set_phase_handler, (void *)(apr_uintptr_t)(phase), \
                     where, help)
#define DIR_FLAG(name, field, help) \
    AP_INIT_FLAG(name, set_dir_flag, \
                 (void *)APR_OFFSETOF(mp_dir_config, field), OR_ALL, help)

const command_rec mp_python_commands[] = {
    PHASE_DIRECTIVE("PythonPostReadRequestHandler", MP_PHASE_POST_READ_REQUEST,
                    RSRC_CONF, "Python handlers run after the request is read"),
    PHASE_DIRECTIVE("PythonTransHandler", MP_PHASE_TRANS, RSRC_CONF,
                    "Python handlers translating the URI to a file name"),
    PHASE_DIRECTIVE("PythonHeaderParserHandler", MP_PHASE_HEADER_PARSER,
                    OR_ALL, "Python handlers for the header parser phase"),
    PHASE_DIRECTIVE("PythonInitHandler", -1, OR_ALL,
                    "Python handlers for post-read-request (server level) "
                    "or header-parser (directory level)"),
    PHASE_DIRECTIVE("PythonAccessHandler", MP_PHASE_ACCESS, OR_ALL,
                    "Python handlers for the access phase"),
    PHASE_DIRECTIVE("PythonAuthenHandler", MP_PHASE_AUTHEN, OR_ALL,
                    "Python handlers for authentication"),
    PHASE_DIRECTIVE("PythonAuthzHandler", MP_PHASE_AUTHZ, OR_ALL,
                    "Python handlers for authorization"),
    PHASE_DIRECTIVE("PythonTypeHandler", MP_PHASE_TYPE, OR_ALL,
                    "Python handlers for the type checking phase"),
    PHASE_DIRECTIVE("PythonFixupHandler", MP_PHASE_FIXUP, OR_ALL,
                    "Python handlers for the fixup phase"),
    PHASE_DIRECTIVE("PythonHandler", MP_PHASE_HANDLER, OR_ALL,
                    "Python content handlers"),
    PHASE_DIRECTIVE("PythonLogHandler", MP_PHASE_LOG, OR_ALL,
                    "Python handlers for the logging phase"),
    PHASE_DIRECTIVE("PythonCleanupHandler", MP_PHASE_CLEANUP, OR_ALL,
                    "Python handlers run when the request is destroyed"),
    AP_INIT_TAKE1("PythonHandlerModule", set_handler_module, NULL, OR_ALL,
                  "a module whose functions named after the phases are run"),
    DIR_FLAG("PythonDebug", debug,
             "On: send Python tracebacks to the client too"),
    DIR_FLAG("PythonAutoReload", autoreload,
             "On (default): reload handler modules changed on disk"),
    DIR_FLAG("PythonInterpPerDirectory", interp_per_directory,
             "On: name interpreters after the directory of the file"),
    DIR_FLAG("PythonInterpPerDirective", interp_per_directive,
             "On: name interpreters after the directory of the directive"),
    DIR_FLAG("PythonEnablePdb", enable_pdb,
             "On: run handlers under pdb (only with -DONE_PROCESS)"),
    AP_INIT_TAKE1("PythonInterpreter", set_interpreter, NULL, OR_ALL,
                  "the name of the Python interpreter to use"),
    AP_INIT_TAKE1("PythonInterpreterGIL", set_interpreter_gil, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "own: new interpreters get a GIL of their own (Python "
                  ">= 3.12); shared (default): they share the main one's"),
    AP_INIT_TAKE1("PythonPath", set_python_path, NULL, OR_ALL,
                  "a Python expression giving sys.path, e.g. "
                  "\"sys.path+['/mydir']\""),
    AP_INIT_TAKE12("PythonOption", set_option, NULL, OR_ALL,
                   "a key and value for req.get_options()"),
    AP_INIT_TAKE2("PythonImport", set_import, NULL, RSRC_CONF,
                  "a module to import at child start, and the interpreter"),
    AP_INIT_FLAG("PythonOptimize", set_optimize, NULL, RSRC_CONF,
                 "On: like python -O"),
    AP_INIT_TAKE2("PythonOutputFilter", set_filter, NULL, RSRC_CONF,
                  "a Python output filter handler and the filter name"),
    AP_INIT_TAKE2("PythonInputFilter", set_filter, (void *)1, RSRC_CONF,
                  "a Python input filter handler and the filter name"),
    AP_INIT_TAKE1("PythonConnectionHandler", set_connection_handler, NULL,
                  RSRC_CONF, "a Python handler for whole connections"),
    {NULL}
};
