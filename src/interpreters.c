/*
 * interpreters.c - Python start-up and the named-interpreter registry.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Python is started in each child process (child_init), never in the
 * Apache parent: the parent stays free of Python state, so graceful
 * restarts cannot leak or crash in it, and a child's exit never waits for
 * Python threads.  See Doc/ for the measurements behind this choice.
 *
 * Thread states: every (OS thread, interpreter) pair gets its own
 * PyThreadState, created on first use and kept in a thread-local list; it
 * is used by that thread only.  Lock order: create_mutex, then the GIL;
 * registry_mutex is only ever held for a hash lookup or insert, never
 * while waiting for anything else.
 *
 * GILs (PythonInterpreterGIL, Python >= 3.12): an interpreter is created
 * either sharing the main interpreter's GIL (the default, as before) or
 * with a GIL of its own; PyEval_RestoreThread takes the GIL of the thread
 * state's interpreter, so entering and leaving look the same for both.
 * Doc/interpreters.rst says how the setting is chosen.
 */
#include "mod_python.h"

APLOG_USE_MODULE(python);

/* This thread's thread states, one per interpreter it has entered. */
typedef struct mp_tstate_link {
    PyInterpreterState *istate;
    PyThreadState *tstate;
    struct mp_tstate_link *next;
} mp_tstate_link;

static __thread mp_tstate_link *thread_states;

static apr_hash_t *registry;            /* name -> mp_interp */
static volatile int exiting;            /* the child is shutting down */
static apr_pool_t *registry_pool;
static apr_thread_mutex_t *registry_mutex;
static apr_thread_mutex_t *create_mutex;
static PyInterpreterState *main_istate;
static server_rec *main_server;

volatile apr_uint32_t mp_calls_in_progress;

static const char *const phase_names_extra = "PythonInitHandler";

/* Remember that this thread owns tstate for istate. */
static int remember_thread_state(PyInterpreterState *istate,
                                 PyThreadState *tstate)
{
    mp_tstate_link *link = malloc(sizeof(*link));

    if (link == NULL) {
        return -1;
    }
    link->istate = istate;
    link->tstate = tstate;
    link->next = thread_states;
    thread_states = link;
    return 0;
}

/* Take the GIL in istate with this thread's own thread state. */
static int enter_interpreter(PyInterpreterState *istate)
{
    mp_tstate_link *link;
    PyThreadState *tstate = NULL;

    for (link = thread_states; link != NULL; link = link->next) {
        if (link->istate == istate) {
            tstate = link->tstate;
            break;
        }
    }
    if (tstate == NULL) {
        tstate = PyThreadState_New(istate);
        if (tstate == NULL) {
            return -1;
        }
        if (remember_thread_state(istate, tstate) != 0) {
            PyThreadState_Clear(tstate);
            PyThreadState_Delete(tstate);
            return -1;
        }
    }
    PyEval_RestoreThread(tstate);
    return 0;
}

void mp_release_interpreter(void)
{
    (void)PyEval_SaveThread();
    apr_atomic_dec32(&mp_calls_in_progress);
}

void mp_log_python_error(server_rec *s, const char *context)
{
    PyObject *type, *value, *tb, *lines = NULL, *traceback = NULL;
    Py_ssize_t i, n;

    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        return;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: %s", context);
    traceback = PyImport_ImportModule("traceback");
    if (traceback != NULL) {
        lines = PyObject_CallMethod(traceback, "format_exception", "OOO",
                                    type, value ? value : Py_None,
                                    tb ? tb : Py_None);
    }
    if (lines != NULL && PyList_Check(lines)) {
        n = PyList_GET_SIZE(lines);
        for (i = 0; i < n; i++) {
            const char *text = PyUnicode_AsUTF8(PyList_GET_ITEM(lines, i));
            char *copy, *line, *next;

            if (text == NULL) {
                PyErr_Clear();
                continue;
            }
            /* one log line per line of the traceback (malloc: this runs
             * in any thread, and pools are not thread-safe) */
            copy = strdup(text);
            for (line = copy; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next != NULL) {
                    *next++ = '\0';
                }
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: %s",
                             line);
            }
            free(copy);
        }
    }
    else {
        PyErr_Clear();
    }
    Py_XDECREF(lines);
    Py_XDECREF(traceback);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* "Type: message" of the pending exception (left pending), in
 * registry_pool; called with create_mutex held. */
static const char *exception_summary(void)
{
    PyObject *value, *text = NULL;
    const char *summary = "unknown error";
#if PY_VERSION_HEX >= 0x030C0000
    value = PyErr_GetRaisedException();
#else
    PyObject *type, *tb;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
#endif
    if (value != NULL) {
        text = PyUnicode_FromFormat("%s: %S", Py_TYPE(value)->tp_name, value);
    }
    if (text != NULL && PyUnicode_AsUTF8(text) != NULL) {
        summary = apr_pstrdup(registry_pool, PyUnicode_AsUTF8(text));
    }
    Py_XDECREF(text);
    PyErr_Clear();
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(value);
#else
    PyErr_Restore(type, value, tb);
#endif
    return summary;
}

/* In an interpreter with its own GIL, an extension module that cannot
 * live there fails its import with an ImportError naming the directive
 * that gives the application a shared GIL (mod_python.owngil). */
static int install_own_gil_imports(void)
{
    PyObject *owngil, *result;

    owngil = PyImport_ImportModule("mod_python.owngil");
    if (owngil == NULL) {
        return -1;
    }
    result = PyObject_CallMethod(owngil, "install", NULL);
    Py_DECREF(owngil);
    Py_XDECREF(result);
    return result != NULL ? 0 : -1;
}

/* Fill interp's cached objects; called with the GIL held in interp. */
static int setup_interpreter(mp_interp *interp, server_rec *s)
{
    PyObject *apache, *logbridge, *sys;
    int i;

    interp->name_obj = PyUnicode_FromString(interp->name);
    if (interp->name_obj == NULL) {
        goto error;
    }
    for (i = 0; i < MP_PHASE_COUNT; i++) {
        interp->phase_objs[i] = PyUnicode_InternFromString(
            mp_phase_directives[i]);
        if (interp->phase_objs[i] == NULL) {
            goto error;
        }
    }
    interp->phase_objs[MP_PHASE_COUNT] =
        PyUnicode_InternFromString(phase_names_extra);
    if (interp->phase_objs[MP_PHASE_COUNT] == NULL) {
        goto error;
    }
    if (interp->own_gil && install_own_gil_imports() != 0) {
        goto error;
    }
    apache = PyImport_ImportModule("mod_python.apache");
    if (apache == NULL) {
        goto error;
    }
    interp->dispatch = PyObject_GetAttrString(apache, "_dispatch");
    interp->dispatch_filter = PyObject_GetAttrString(apache,
                                                     "_dispatch_filter");
    interp->dispatch_connection = PyObject_GetAttrString(apache,
                                                         "_dispatch_connection");
    interp->run_cleanups = PyObject_GetAttrString(apache, "_run_cleanups");
    interp->import_module = PyObject_GetAttrString(apache, "_python_import");
    interp->prepare = PyObject_GetAttrString(apache, "_prepare");
    interp->failed = PyObject_GetAttrString(apache, "_failed");
    interp->result = PyObject_GetAttrString(apache, "_result");
    interp->apache_dict = Py_XNewRef(PyModule_GetDict(apache));
    /* apache.interpreter: the name of the interpreter it was imported in */
    if (PyObject_SetAttrString(apache, "interpreter", interp->name_obj) != 0) {
        Py_DECREF(apache);
        goto error;
    }
    Py_DECREF(apache);
    if (interp->dispatch == NULL || interp->dispatch_filter == NULL
        || interp->dispatch_connection == NULL || interp->run_cleanups == NULL
        || interp->import_module == NULL || interp->prepare == NULL
        || interp->failed == NULL || interp->result == NULL
        || interp->apache_dict == NULL) {
        goto error;
    }
    logbridge = PyImport_ImportModule("mod_python.logbridge");
    if (logbridge == NULL) {
        goto error;
    }
    interp->log_target = PyObject_GetAttrString(logbridge, "current");
    interp->log_pending = PyObject_GetAttrString(logbridge, "_pending");
    interp->log_flush = PyObject_GetAttrString(logbridge, "flush_pending");
    Py_DECREF(logbridge);
    interp->str_generation = PyUnicode_InternFromString("_generation");
    interp->str_text = PyUnicode_InternFromString("text");
    interp->str_path = PyUnicode_InternFromString("path");
    sys = PyImport_ImportModule("sys");
    if (sys != NULL) {
        interp->sys_dict = Py_NewRef(PyModule_GetDict(sys));
        Py_DECREF(sys);
    }
    if (interp->sys_dict == NULL || interp->str_path == NULL
        || interp->log_target == NULL || interp->log_pending == NULL
        || interp->log_flush == NULL || interp->str_generation == NULL
        || interp->str_text == NULL) {
        goto error;
    }
    interp->filter_phases[0] = PyUnicode_InternFromString("PythonOutputFilter");
    interp->filter_phases[1] = PyUnicode_InternFromString("PythonInputFilter");
    interp->connection_phase =
        PyUnicode_InternFromString("PythonConnectionHandler");
    if (interp->filter_phases[0] == NULL || interp->filter_phases[1] == NULL
        || interp->connection_phase == NULL) {
        goto error;
    }
    return 0;

error:
    interp->failure = exception_summary();
    mp_log_python_error(s, apr_psprintf(registry_pool,
        "MP00001: cannot set up interpreter '%s' (is the mod_python package "
        "on sys.path of %s?)", interp->name, MP_PYTHON_EXECUTABLE));
    return -1;
}

static mp_interp *registry_lookup(const char *name)
{
    mp_interp *interp;

    apr_thread_mutex_lock(registry_mutex);
    interp = apr_hash_get(registry, name, APR_HASH_KEY_STRING);
    apr_thread_mutex_unlock(registry_mutex);
    return interp;
}

static void registry_insert(mp_interp *interp)
{
    apr_thread_mutex_lock(registry_mutex);
    apr_hash_set(registry, interp->name, APR_HASH_KEY_STRING, interp);
    apr_thread_mutex_unlock(registry_mutex);
}

static mp_interp *acquire(const char *name, int gil, server_rec *s);
/* Log once per interpreter (MP11003) when a configuration asks for
 * another GIL than the one interp was created with: the first creation
 * decided, and an interpreter cannot change its GIL. */
static void check_gil(mp_interp *interp, int gil, server_rec *s)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (gil == MP_GIL_UNSET || gil == interp->own_gil
        || apr_atomic_cas32(&interp->gil_warned, 1, 0) != 0) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "mod_python: MP11003: interpreter '%s' was created with %s "
                 "GIL; PythonInterpreterGIL %s here has no effect on it "
                 "(the first request, connection or PythonImport to use an "
                 "interpreter decides its GIL)", interp->name,
                 interp->own_gil ? "its own" : "the shared",
                 gil == MP_GIL_OWN ? "own" : "shared");
#else
    (void)interp; (void)gil; (void)s;    /* MP11001 said it all */
#endif
}

/* Whether a new interpreter name gets its own GIL: the configuration's
 * choice for that name if it has one, else the asking caller's. */
static int wants_own_gil(const char *name, int gil)
{
#if PY_VERSION_HEX >= 0x030C0000
    int configured = mp_configured_gil(name);

    if (configured != MP_GIL_UNSET) {
        gil = configured;
    }
    return gil == MP_GIL_OWN && strcmp(name, MP_MAIN_INTERPRETER) != 0;
#else
    (void)name; (void)gil;
    return 0;
#endif
}

/* Make a new sub-interpreter and its first thread state, current in this
 * thread with its GIL held; the caller holds the main interpreter's GIL.
 * On failure the caller's thread state is current again. */
static PyThreadState *new_interpreter(const char *name, int own_gil,
                                      server_rec *s)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyThreadState *tstate = NULL;
    PyStatus status;
    /* the settings an own GIL needs (its own allocator, and only
     * extension modules that support it), and the freedoms handlers
     * had so far: threads (daemon ones too: interpreters are never
     * finalised), exec (subprocess).  Not fork: a fork from a second
     * GIL's thread leaves the other GILs' state undefined in the child. */
    PyInterpreterConfig config = {
        .use_main_obmalloc = 0,
        .allow_fork = 0,
        .allow_exec = 1,
        .allow_threads = 1,
        .allow_daemon_threads = 1,
        .check_multi_interp_extensions = 1,
        .gil = PyInterpreterConfig_OWN_GIL,
    };

    if (!own_gil) {
        return Py_NewInterpreter();
    }
    status = Py_NewInterpreterFromConfig(&tstate, &config);
    if (PyStatus_Exception(status)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "mod_python: MP11002: cannot create interpreter '%s' "
                     "with its own GIL: %s", name,
                     status.err_msg ? status.err_msg : "unknown error");
        return NULL;
    }
    return tstate;
#else
    (void)name; (void)own_gil; (void)s;
    return Py_NewInterpreter();
#endif
}

/* Create a sub-interpreter; returns it with the GIL held, or NULL. */
static mp_interp *create_interpreter(const char *name, int gil, server_rec *s)
{
    mp_interp *interp;
    PyThreadState *tstate;
    int own_gil = wants_own_gil(name, gil);

    apr_thread_mutex_lock(create_mutex);
    interp = registry_lookup(name);
    if (interp != NULL) {
        apr_thread_mutex_unlock(create_mutex);
        check_gil(interp, gil, s);
        return acquire(name, gil, s);   /* created meanwhile (or failed) */
    }
    if (enter_interpreter(main_istate) != 0) {
        apr_thread_mutex_unlock(create_mutex);
        return NULL;
    }
    tstate = new_interpreter(name, own_gil, s);
    if (tstate == NULL) {
        /* Py_NewInterpreter* restored the main thread state on failure */
        (void)PyEval_SaveThread();
        apr_thread_mutex_unlock(create_mutex);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "mod_python: MP00005: cannot create interpreter '%s'",
                     name);
        return NULL;
    }
    interp = apr_pcalloc(registry_pool, sizeof(*interp));
    interp->name = apr_pstrdup(registry_pool, name);
    interp->istate = PyThreadState_GetInterpreter(tstate);
    interp->own_gil = own_gil;
    if (remember_thread_state(interp->istate, tstate) != 0
        || setup_interpreter(interp, s) != 0) {
        /* Remembered as failed: later requests for the name get a 500
         * with the reason instead of creating (and leaking) another
         * interpreter each; a graceful restart (new children) retries.
         * The interpreter itself is not reused; its memory stays until
         * the child exits. */
        (void)PyEval_SaveThread();
        if (interp->failure == NULL) {
            interp->failure = "out of memory";
        }
        registry_insert(interp);
        apr_thread_mutex_unlock(create_mutex);
        return NULL;
    }
    registry_insert(interp);
    apr_thread_mutex_unlock(create_mutex);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                 "mod_python: MP00006: created interpreter '%s' (%s GIL) in "
                 "pid %d", name, own_gil ? "own" : "shared", (int)getpid());
    return interp;
}

/* The interpreter, GIL held; NULL (logged) on failure. */
static mp_interp *acquire(const char *name, int gil, server_rec *s)
{
    mp_interp *interp;

    if (registry == NULL || exiting) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: MP00007: "
                     "Python is %s in this process",
                     exiting ? "shutting down" : "not initialised");
        return NULL;
    }
    interp = registry_lookup(name);
    if (interp != NULL && interp->failure != NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: MP00002: "
                     "interpreter '%s' is unusable in this process: its "
                     "set-up failed (%s; traceback logged then); a restart "
                     "of httpd tries again", name, interp->failure);
        return NULL;
    }
    if (interp != NULL) {
        check_gil(interp, gil, s);
        if (enter_interpreter(interp->istate) != 0) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                         "mod_python: MP00008: cannot create a thread "
                         "state for interpreter '%s'", name);
            return NULL;
        }
        return interp;
    }
    return create_interpreter(name, gil, s);
}

/* Every entry into Python for a request, filter, connection, cleanup or
 * PythonImport comes here: while it lasts, mp_calls_in_progress counts it
 * (child exit leaves Python alone while a call may hold the GIL). */
mp_interp *mp_acquire_interpreter(const char *name, int gil, server_rec *s)
{
    mp_interp *interp;

    apr_atomic_inc32(&mp_calls_in_progress);
    interp = acquire(name, gil, s);
    if (interp == NULL) {
        apr_atomic_dec32(&mp_calls_in_progress);
    }
    return interp;
}

void mp_for_each_interpreter(void (*fn)(mp_interp *, void *), void *data)
{
    apr_hash_index_t *hi;
    mp_interp **all;
    int count, i;

    if (registry == NULL) {
        return;
    }
    /* a snapshot (malloc: another thread may be using registry_pool) */
    apr_thread_mutex_lock(registry_mutex);
    count = (int)apr_hash_count(registry);
    all = malloc(sizeof(*all) * (count ? count : 1));
    for (i = 0, hi = apr_hash_first(NULL, registry); all && hi;
         hi = apr_hash_next(hi)) {
        all[i++] = apr_hash_this_val(hi);
    }
    apr_thread_mutex_unlock(registry_mutex);
    if (all == NULL) {
        return;
    }
    for (i = 0; i < count; i++) {
        if (enter_interpreter(all[i]->istate) == 0) {
            fn(all[i], data);
            (void)PyEval_SaveThread();
        }
    }
    free(all);
}

/* Process exit: let each interpreter run its exit callbacks. */
static void child_exit_one(mp_interp *interp, void *data)
{
    PyObject *apache, *result;

    (void)data;
    apache = PyImport_ImportModule("mod_python.apache");
    if (apache == NULL) {
        PyErr_Clear();
        return;
    }
    result = PyObject_CallMethod(apache, "_child_exit", NULL);
    if (result == NULL) {
        mp_log_python_error(main_server, apr_psprintf(registry_pool,
            "MP00009: error at child exit in interpreter '%s'", interp->name));
    }
    Py_XDECREF(result);
    Py_DECREF(apache);
}

static apr_status_t child_exit(void *data)
{
    (void)data;
    /* A request still running Python (a prefork child dying from a signal
     * while in a handler, or a worker thread that did not finish) may hold
     * the GIL: leave Python alone rather than hang the exit. */
    if (apr_atomic_read32(&mp_calls_in_progress) != 0) {
        return APR_SUCCESS;
    }
    mp_for_each_interpreter(child_exit_one, NULL);
    /* Py_FinalizeEx is deliberately not called: the process is about to
     * exit, and finalisation can block on threads started by handlers.
     * The registry stays allocated: a worker thread the MPM did not wait
     * for may still look at it. */
    exiting = 1;
    return APR_SUCCESS;
}

int mp_python_init(apr_pool_t *pchild, server_rec *s)
{
    mp_server_config *sconf = ap_get_module_config(s->module_config,
                                                   &python_module);
    PyConfig config;
    PyStatus status;
    mp_interp *interp;
    char *argv[] = {"mod_python", NULL};
    apr_time_t started = apr_time_now();

    main_server = s;
    /* Not a child of pchild: the registry must outlive every thread of
     * the process, including ones still finishing while pchild and the
     * global pool are destroyed at exit. */
    if (apr_pool_create_unmanaged_ex(&registry_pool, NULL, NULL) != APR_SUCCESS
        || apr_thread_mutex_create(&registry_mutex, APR_THREAD_MUTEX_DEFAULT,
                                   registry_pool) != APR_SUCCESS
        || apr_thread_mutex_create(&create_mutex, APR_THREAD_MUTEX_DEFAULT,
                                   registry_pool) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_python: MP00010: cannot allocate the interpreter "
                     "registry");
        return -1;
    }

    if (PyImport_AppendInittab("_apache", mp_init_apache_module) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_python: MP00011: cannot register the _apache "
                     "module");
        return -1;
    }

    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;  /* signals belong to Apache */
    config.parse_argv = 0;
    config.optimization_level = sconf->optimize > 0 ? sconf->optimize : 0;
    /* Pin the prefix to the Python we were built against, whatever
     * python3 comes first on the PATH httpd was started with. */
    status = PyConfig_SetBytesString(&config, &config.program_name,
                                     MP_PYTHON_EXECUTABLE);
    if (PyStatus_Exception(status)) {
        goto error;
    }
    /* sys.argv is ['mod_python'] in every interpreter (the sub-interpreters
     * copy this configuration), as in mod_python 3.5 */
    status = PyConfig_SetBytesArgv(&config, 1, argv);
    if (PyStatus_Exception(status)) {
        goto error;
    }
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) {
        goto error;
    }
    PyConfig_Clear(&config);

    main_istate = PyInterpreterState_Main();
    if (remember_thread_state(main_istate, PyThreadState_Get()) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_python: MP00012: out of memory");
        (void)PyEval_SaveThread();
        return -1;
    }
    interp = apr_pcalloc(registry_pool, sizeof(*interp));
    interp->name = MP_MAIN_INTERPRETER;
    interp->istate = main_istate;
    /* A main interpreter that cannot be set up (MP00001, e.g. a
     * sitecustomize that failed at that moment) is remembered as failed
     * like any other: requests for it get MP00002, and the named
     * interpreters, made from it with their own sys.modules, still work. */
    if (setup_interpreter(interp, s) != 0 && interp->failure == NULL) {
        interp->failure = "out of memory";
    }
    registry = apr_hash_make(registry_pool);
    registry_insert(interp);
    (void)PyEval_SaveThread();

    apr_pool_cleanup_register(pchild, NULL, child_exit, apr_pool_cleanup_null);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                 "mod_python: MP00013: Python %s started in pid %d in %"
                 APR_TIME_T_FMT " us", Py_GetVersion(), (int)getpid(),
                 apr_time_now() - started);
    return 0;

error:
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                 "mod_python: MP00014: cannot start Python (%s): %s",
                 MP_PYTHON_EXECUTABLE,
                 status.err_msg ? status.err_msg : "unknown error");
    PyConfig_Clear(&config);
    return -1;
}
