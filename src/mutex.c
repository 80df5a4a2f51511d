/*
 * mutex.c - the cross-process locks behind _apache._global_lock().
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * The parent creates a set of apr_global_mutex_t in post_config, before
 * any child exists, so that every child of every MPM shares them:
 *
 *   PythonOption mod_python.mutex_locks N        number of locks (default 8)
 *   PythonOption mod_python.mutex_directory DIR  where their lock files are
 *                                                created (then unlinked)
 *
 * Each lock is an fcntl() lock between processes -- the kernel drops it
 * when a process dies, so a child killed while holding one does not leave
 * it held -- and, inside a process, a "held" flag under a thread mutex
 * and condition, so that any thread of the process may release it: the
 * request cleanups that release session locks may run in another thread
 * than the handler that took them (event MPM write completion).  A lock
 * its thread still holds when a request's cleanups have run (a handler
 * that raised between lock and unlock) is released then, with a warning
 * (MP08051).
 *
 * The set lives in the process pool of the parent and is kept across
 * graceful restarts while its size and directory stay the same, so old
 * and new generations of children exclude each other as well.
 *
 * Lock 0 is the one DbmSession takes; keys are hashed onto 1..N-1 with a
 * hash that is the same in every process (Python's str hash is salted
 * per process, so it cannot be used for that).
 */
#include "mod_python.h"

#define MP_MUTEX_DEFAULT_COUNT 8
#define MP_MUTEX_MAX_COUNT 1024
#define MP_MUTEX_USERDATA_KEY "mod_python.global_mutexes"

typedef struct {
    int count;
    const char *directory;
    apr_pool_t *pool;
    apr_proc_mutex_t **mutexes;
} mp_mutex_set;

/* The state of one lock inside this process. */
typedef struct {
    apr_thread_mutex_t *guard;
    apr_thread_cond_t *released;
    int held;                     /* by a thread of this process */
    apr_os_thread_t owner;        /* the thread that took it */
} mp_local_lock;

/* The set the children use (set in the parent before they are forked). */
static mp_mutex_set *mutex_set;

/* This process's side of each lock (made in child_init). */
static mp_local_lock *local_locks;
/* How many locks this process holds now: the end of every request looks
 * for leftovers only when it is not 0. */
static volatile apr_uint32_t locks_held;

/* ------------------------------------------------------- configuration */

static const char *main_option(server_rec *s, const char *key)
{
    mp_dir_config *conf = ap_get_module_config(s->lookup_defaults,
                                               &python_module);
    return conf ? apr_table_get(conf->options, key) : NULL;
}

/* The requested count, or -1 (logged) when the option is not a number in
 * 0..MP_MUTEX_MAX_COUNT. */
static int requested_count(server_rec *s)
{
    const char *text = main_option(s, "mod_python.mutex_locks");
    char *end;
    long count;

    if (text == NULL) {
        return MP_MUTEX_DEFAULT_COUNT;
    }
    count = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || count < 0
        || count > MP_MUTEX_MAX_COUNT) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_python: MP08050: PythonOption mod_python.mutex_locks "
                     "'%s' is not a number from 0 to %d", text,
                     MP_MUTEX_MAX_COUNT);
        return -1;
    }
    return (int)count;
}

static mp_mutex_set *create_set(server_rec *s, int count,
                                const char *directory)
{
    static unsigned int generation;
    apr_pool_t *pool;
    mp_mutex_set *set;
    apr_status_t rv;
    int i;

    rv = apr_pool_create(&pool, s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "mod_python: MP08052: cannot create the pool of the "
                     "global mutexes");
        return NULL;
    }
    set = apr_pcalloc(pool, sizeof(*set));
    set->pool = pool;
    set->count = count;
    set->directory = apr_pstrdup(pool, directory);
    set->mutexes = apr_pcalloc(pool, sizeof(*set->mutexes) * count);
    generation++;
    for (i = 0; i < count; i++) {
        const char *file = apr_psprintf(pool, "%s/mod_python_mutex.%"
                                        APR_PID_T_FMT ".%u.%d", directory,
                                        getpid(), generation, i);
        rv = apr_proc_mutex_create(&set->mutexes[i], file, APR_LOCK_FCNTL,
                                   pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "mod_python: MP08052: cannot create global mutex %d "
                         "of %d in %s (PythonOption mod_python.mutex_directory)",
                         i, count, directory);
            apr_pool_destroy(pool);
            return NULL;
        }
    }
    return set;
}

/* post_config: RUN_ALL, in the parent after each (re)read of the config;
 * creates the locks (or keeps the previous generation's). */
static int mp_mutex_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    mp_mutex_set *previous = NULL;
    const char *directory;
    int count;

    (void)plog; (void)ptemp;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    count = requested_count(s);
    if (count < 0) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    directory = main_option(s, "mod_python.mutex_directory");
    if (directory == NULL) {
        directory = ap_runtime_dir_relative(pconf, "");
    }
    apr_pool_userdata_get((void **)&previous, MP_MUTEX_USERDATA_KEY,
                          s->process->pool);
    if (previous != NULL && previous->count == count
        && strcmp(previous->directory, directory) == 0) {
        mutex_set = previous;
        return OK;
    }
    if (previous != NULL) {
        apr_pool_destroy(previous->pool);
        apr_pool_userdata_set(NULL, MP_MUTEX_USERDATA_KEY, NULL,
                              s->process->pool);
    }
    mutex_set = NULL;
    if (count == 0) {
        return OK;
    }
    mutex_set = create_set(s, count, directory);
    if (mutex_set == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_userdata_set(mutex_set, MP_MUTEX_USERDATA_KEY, NULL,
                          s->process->pool);
    return OK;
}

/* child_init: RUN_ALL, in each new child; reattaches the locks and makes
 * this process's side of them. */
static void mp_mutex_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;
    int i;

    local_locks = NULL;
    if (mutex_set == NULL) {
        return;
    }
    local_locks = apr_pcalloc(pchild, sizeof(*local_locks) * mutex_set->count);
    for (i = 0; i < mutex_set->count; i++) {
        rv = apr_proc_mutex_child_init(&mutex_set->mutexes[i],
            apr_proc_mutex_lockfile(mutex_set->mutexes[i]), pchild);
        if (rv == APR_SUCCESS) {
            rv = apr_thread_mutex_create(&local_locks[i].guard,
                                         APR_THREAD_MUTEX_DEFAULT, pchild);
        }
        if (rv == APR_SUCCESS) {
            rv = apr_thread_cond_create(&local_locks[i].released, pchild);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "mod_python: MP08052: cannot attach global mutex %d "
                         "in this child", i);
            local_locks = NULL;
            return;
        }
    }
}

/* Clear the in-process side of lock index and wake a waiting thread. */
static void give_back_local(int index)
{
    mp_local_lock *local = &local_locks[index];

    apr_thread_mutex_lock(local->guard);
    if (local->held) {
        apr_atomic_dec32(&locks_held);
    }
    local->held = 0;
    apr_thread_cond_signal(local->released);
    apr_thread_mutex_unlock(local->guard);
}

/* Give lock index back: the fcntl lock, then the flag (any thread). */
static apr_status_t release(int index)
{
    apr_status_t rv = apr_proc_mutex_unlock(mutex_set->mutexes[index]);

    give_back_local(index);
    return rv;
}

void mp_mutex_release_leftovers(request_rec *r)
{
    apr_os_thread_t self = apr_os_thread_current();
    int i, leftover;

    if (local_locks == NULL || apr_atomic_read32(&locks_held) == 0) {
        return;
    }
    for (i = 0; i < mutex_set->count; i++) {
        mp_local_lock *local = &local_locks[i];

        apr_thread_mutex_lock(local->guard);
        leftover = local->held && apr_os_thread_equal(local->owner, self);
        apr_thread_mutex_unlock(local->guard);
        if (leftover) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_python: MP08051: global mutex %d was still "
                          "held at the end of the request: released", i);
            release(i);
        }
    }
}

void mp_mutex_register_hooks(void)
{
    ap_hook_post_config(mp_mutex_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mp_mutex_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* --------------------------------------------------------------- Python */

/* FNV-1a: the same in every process, unlike hash(). */
static apr_uint32_t stable_hash(const char *data, Py_ssize_t size)
{
    apr_uint32_t hash = 2166136261u;
    Py_ssize_t i;

    for (i = 0; i < size; i++) {
        hash ^= (unsigned char)data[i];
        hash *= 16777619u;
    }
    return hash;
}

/* The lock index for (key, index) or -1 with an exception set. */
static int lock_index(PyObject *args, PyObject *kwargs, const char *name)
{
    static char *keywords[] = {"server", "key", "index", NULL};
    PyObject *server, *key, *text;
    const char *data;
    Py_ssize_t size;
    int index = -1;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|i", keywords,
                                     &server, &key, &index)) {
        return -1;
    }
    if (mp_server_rec(server) == NULL) {
        return -1;
    }
    if (mutex_set == NULL || local_locks == NULL) {
        PyErr_Format(PyExc_RuntimeError, "%s: there are no global mutexes "
                     "(PythonOption mod_python.mutex_locks is 0)", name);
        return -1;
    }
    if (index >= 0) {
        if (index >= mutex_set->count) {
            PyErr_Format(PyExc_ValueError, "%s: index %d out of range "
                         "(mod_python.mutex_locks is %d)", name, index,
                         mutex_set->count);
            return -1;
        }
        return index;
    }
    if (index != -1) {
        PyErr_Format(PyExc_ValueError, "%s: negative index %d", name, index);
        return -1;
    }
    if (mutex_set->count == 1) {
        return 0;
    }
    text = PyObject_Str(key);
    if (text == NULL) {
        return -1;
    }
    data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == NULL) {
        Py_DECREF(text);
        return -1;
    }
    index = (int)(stable_hash(data, size) % (apr_uint32_t)(mutex_set->count - 1))
            + 1;
    Py_DECREF(text);
    return index;
}

static PyObject *raise_apr(const char *what, int index, apr_status_t rv)
{
    char message[120];

    apr_strerror(rv, message, sizeof(message));
    PyErr_Format(PyExc_OSError, "%s of global mutex %d failed: %s", what,
                 index, message);
    return NULL;
}

/* Take the in-process side of lock index: 1 taken, 0 busy (wait=0 only),
 * -1 with an exception set (this thread holds it already). */
static int take_local(int index, int wait)
{
    mp_local_lock *local = &local_locks[index];
    apr_os_thread_t self = apr_os_thread_current();
    int result = 1;

    Py_BEGIN_ALLOW_THREADS
    apr_thread_mutex_lock(local->guard);
    if (local->held && apr_os_thread_equal(local->owner, self)) {
        result = -1;
    }
    else {
        while (local->held && wait) {
            apr_thread_cond_wait(local->released, local->guard);
        }
        if (local->held) {
            result = 0;
        }
        else {
            local->held = 1;
            local->owner = self;
            apr_atomic_inc32(&locks_held);
        }
    }
    apr_thread_mutex_unlock(local->guard);
    Py_END_ALLOW_THREADS
    if (result < 0) {
        PyErr_Format(PyExc_RuntimeError, "this thread already holds global "
                     "mutex %d", index);
    }
    return result;
}

/* The fcntl lock of index.  The kernel's deadlock detection sees
 * processes, not threads: thread A of P holding lock 1 while thread B of P
 * waits for lock 2, held by Q, which waits for lock 1, is reported as
 * EDEADLK though A will let go.  Our own check has already refused a real
 * self-deadlock, so EDEADLK means: try again shortly. */
static apr_status_t lock_process_side(int index)
{
    apr_interval_time_t pause = 500;
    apr_status_t rv;

    while ((rv = apr_proc_mutex_lock(mutex_set->mutexes[index]))
           == APR_FROM_OS_ERROR(EDEADLK)) {
        apr_sleep(pause);
        if (pause < 20000) {
            pause *= 2;
        }
    }
    return rv;
}

static PyObject *global_lock(PyObject *self, PyObject *args, PyObject *kwargs)
{
    apr_status_t rv;
    int index = lock_index(args, kwargs, "_global_lock");

    (void)self;
    if (index < 0 || take_local(index, 1) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rv = lock_process_side(index);
    Py_END_ALLOW_THREADS
    if (rv != APR_SUCCESS) {
        give_back_local(index);
        return raise_apr("locking", index, rv);
    }
    Py_RETURN_NONE;
}

static PyObject *global_trylock(PyObject *self, PyObject *args,
                                PyObject *kwargs)
{
    apr_status_t rv;
    int taken, index = lock_index(args, kwargs, "_global_trylock");

    (void)self;
    if (index < 0) {
        return NULL;
    }
    taken = take_local(index, 0);
    if (taken <= 0) {
        PyErr_Clear();          /* held by this thread: not free either */
        Py_RETURN_FALSE;
    }
    rv = apr_proc_mutex_trylock(mutex_set->mutexes[index]);
    if (rv == APR_SUCCESS) {
        Py_RETURN_TRUE;
    }
    give_back_local(index);
    if (APR_STATUS_IS_EBUSY(rv)) {
        Py_RETURN_FALSE;
    }
    return raise_apr("trylock", index, rv);
}

static PyObject *global_unlock(PyObject *self, PyObject *args,
                               PyObject *kwargs)
{
    apr_status_t rv;
    int held, index = lock_index(args, kwargs, "_global_unlock");

    (void)self;
    if (index < 0) {
        return NULL;
    }
    apr_thread_mutex_lock(local_locks[index].guard);
    held = local_locks[index].held;
    apr_thread_mutex_unlock(local_locks[index].guard);
    if (!held) {
        PyErr_Format(PyExc_RuntimeError, "_global_unlock: this process does "
                     "not hold global mutex %d", index);
        return NULL;
    }
    rv = release(index);
    if (rv != APR_SUCCESS) {
        return raise_apr("unlocking", index, rv);
    }
    Py_RETURN_NONE;
}

static PyObject *global_mutex_count(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    return PyLong_FromLong(mutex_set ? mutex_set->count : 0);
}

static PyMethodDef mutex_functions[] = {
    {"_global_lock", (PyCFunction)(void (*)(void))global_lock,
     METH_VARARGS | METH_KEYWORDS,
     "_global_lock(server, key, index=-1): take a cross-process lock: "
     "lock number index, or the one key hashes to (1..N-1); waits"},
    {"_global_trylock", (PyCFunction)(void (*)(void))global_trylock,
     METH_VARARGS | METH_KEYWORDS,
     "_global_trylock(server, key, index=-1): like _global_lock but returns "
     "False at once when the lock is taken"},
    {"_global_unlock", (PyCFunction)(void (*)(void))global_unlock,
     METH_VARARGS | METH_KEYWORDS,
     "_global_unlock(server, key, index=-1): release a lock this process "
     "holds (any thread may)"},
    {"_global_mutex_count", global_mutex_count, METH_NOARGS,
     "the number of global mutexes (PythonOption mod_python.mutex_locks)"},
    {NULL}
};

int mp_mutex_add_functions(PyObject *module)
{
    return PyModule_AddFunctions(module, mutex_functions);
}
