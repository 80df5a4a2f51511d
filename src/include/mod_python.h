/*
 * mod_python.h - declarations shared by every source file of mod_python.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Python.h must come first (it sets feature macros); then the httpd and APR
 * headers.  Every .c file of the module includes only this header.
 */
#ifndef MOD_PYTHON_H
#define MOD_PYTHON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_connection.h"
#include "ap_mpm.h"
#include "util_filter.h"
#include "util_script.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"
#include "apr_tables.h"
#include "apr_thread_mutex.h"
#include "apr_proc_mutex.h"
#include "apr_thread_cond.h"
#include "apr_atomic.h"
#include "apr_portable.h"

#include <sys/socket.h>
#include <stddef.h>

#ifndef MP_VERSION_STRING
#define MP_VERSION_STRING "4.0.0"
#endif

#ifndef MP_PYTHON_EXECUTABLE
#define MP_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif

#define MP_MAIN_INTERPRETER "main_interpreter"

extern module AP_MODULE_DECLARE_DATA python_module;

/* ---------------------------------------------------------------- phases */

/* The request phases, in the order Apache runs them. */
typedef enum {
    MP_PHASE_POST_READ_REQUEST,
    MP_PHASE_TRANS,
    MP_PHASE_HEADER_PARSER,
    MP_PHASE_ACCESS,
    MP_PHASE_AUTHEN,
    MP_PHASE_AUTHZ,
    MP_PHASE_TYPE,
    MP_PHASE_FIXUP,
    MP_PHASE_HANDLER,
    MP_PHASE_LOG,
    MP_PHASE_CLEANUP,
    MP_PHASE_COUNT
} mp_phase;

/* "PythonHandler" etc.: the directive of each phase (index: mp_phase). */
extern const char *const mp_phase_directives[MP_PHASE_COUNT];

/* The phase a directive name stands for, or -1 (PythonInitHandler: -1). */
int mp_phase_from_directive(const char *directive);

/* ---------------------------------------------------------------- config */

/* config.c: the module record's configuration functions and directive
 * table; mp_config_reset at pre_config, mp_config_checked at post_config. */
void *mp_create_dir_config(apr_pool_t *p, char *dir);
void *mp_merge_dir_config(apr_pool_t *p, void *basev, void *addv);
void *mp_create_server_config(apr_pool_t *p, server_rec *s);
void *mp_merge_server_config(apr_pool_t *p, void *basev, void *addv);
extern const command_rec mp_python_commands[];
void mp_config_reset(apr_pool_t *pconf);
void mp_config_checked(server_rec *s);

/* One handler of a Python*Handler line: "module[::object]". */
typedef struct {
    const char *handler;            /* the text as written */
    const char *directive;          /* directive that registered it */
    const char *directory;          /* prepended to sys.path, or NULL */
    const char *location;           /* enclosing <Location> path without a
                                     * trailing '/', or NULL (WSGI SCRIPT_NAME) */
    apr_array_header_t *extensions; /* "| .ext ..." (const char *), or NULL */
    int silent;                     /* PythonHandlerModule: absent = skip */
    int in_location;                /* set inside <Location>: req.hlist */
    int reads_file;                 /* publisher, psp, cgihandler: runs the
                                     * file req.filename names */
} mp_handler;

/* Position in the handler list of a phase: configured, then dynamic. */
typedef struct {
    int configured;
    int dynamic;
} mp_handler_cursor;

/* Per-directory configuration (also the server-wide defaults). */
typedef struct {
    apr_array_header_t *handlers[MP_PHASE_COUNT]; /* mp_handler, or NULL */
    apr_table_t *options;        /* PythonOption */
    apr_table_t *directives;     /* the other Python* directives, for get_config */
    const char *interpreter;     /* PythonInterpreter, or NULL */
    const char *python_path;     /* PythonPath, or NULL */
    int debug;                   /* -1: not set here */
    int autoreload;
    int interp_per_directory;
    int interp_per_directive;
    int enable_pdb;
    int gil;                     /* PythonInterpreterGIL: MP_GIL_* */
    const char *gil_where;       /* "file:line" of that directive */
} mp_dir_config;

/* PythonInterpreterGIL: the GIL a named interpreter is created with. */
#define MP_GIL_UNSET  (-1)       /* not set here: the default, shared */
#define MP_GIL_SHARED 0          /* shares the main interpreter's GIL */
#define MP_GIL_OWN    1          /* its own GIL (Python >= 3.12) */

/* The GIL the configuration gives interpreter name wherever both
 * PythonInterpreter name and PythonInterpreterGIL appear in one section
 * (config time; refused there when two sections disagree), or
 * MP_GIL_UNSET. */
int mp_configured_gil(const char *name);

/* A copy in p of a PythonOption table without the removed keys. */
apr_table_t *mp_visible_options(apr_pool_t *p, const apr_table_t *options);

/* PythonImport module interpreter */
typedef struct {
    const char *module;
    const char *interpreter;
} mp_import;

/* Per-server configuration. */
typedef struct {
    apr_array_header_t *imports;  /* mp_import */
    int optimize;                 /* PythonOptimize, -1: not set */
    mp_handler *connection_handler; /* PythonConnectionHandler, or NULL */
} mp_server_config;

/* ----------------------------------------------------------- interpreters */

typedef struct mp_handler_cache mp_handler_cache;   /* dispatch.c */

typedef struct mp_interp {
    const char *name;
    const char *failure;        /* set-up failed: why (never entered again) */
    PyInterpreterState *istate;
    PyObject *name_obj;                      /* name as a str of this interp */
    PyObject *phase_objs[MP_PHASE_COUNT + 1];/* phase names; last: InitHandler */
    PyObject *dispatch;                      /* apache._dispatch */
    PyObject *dispatch_filter;               /* apache._dispatch_filter */
    PyObject *dispatch_connection;           /* apache._dispatch_connection */
    PyObject *filter_phases[2];              /* PythonOutputFilter, ...Input... */
    PyObject *connection_phase;              /* PythonConnectionHandler */
    PyObject *run_cleanups;                  /* apache._run_cleanups */
    PyObject *import_module;                 /* apache._python_import */
    /* the fast path of request-phase handlers (dispatch.c) */
    PyObject *prepare;                       /* apache._prepare */
    PyObject *failed;                        /* apache._failed */
    PyObject *result;                        /* apache._result */
    PyObject *apache_dict;                   /* vars(mod_python.apache) */
    PyObject *str_generation;                /* "_generation" */
    PyObject *log_target;                    /* logbridge.current */
    PyObject *log_pending;                   /* logbridge._pending */
    PyObject *log_flush;                     /* logbridge.flush_pending */
    PyObject *str_text;                      /* "text" */
    PyObject *sys_dict;                      /* vars(sys) */
    PyObject *str_path;                      /* "path" */
    mp_handler_cache *handler_cache;         /* prepared handlers */
    int own_gil;                             /* created with its own GIL */
    volatile apr_uint32_t gil_warned;        /* MP11003 logged once */
} mp_interp;

/* Start Python in this (child) process; returns 0 or -1 (logged). */
int mp_python_init(apr_pool_t *pchild, server_rec *s);

/* Find or create the named interpreter and take the GIL in it for this
 * thread.  gil: the PythonInterpreterGIL of the caller's configuration
 * (MP_GIL_UNSET when it has none); it decides how a new interpreter is
 * created unless the configuration names one for this interpreter, and a
 * different value than the interpreter has is logged once (MP11003).
 * Returns NULL (logged against s, GIL not held) on failure. */
mp_interp *mp_acquire_interpreter(const char *name, int gil, server_rec *s);

/* Release the GIL taken by mp_acquire_interpreter. */
void mp_release_interpreter(void);

/* Call fn(interp, data) with the GIL held in every existing interpreter. */
void mp_for_each_interpreter(void (*fn)(mp_interp *, void *), void *data);

/* Number of Python calls in progress in this process. */
extern volatile apr_uint32_t mp_calls_in_progress;

/* Log the pending Python exception (with traceback) and clear it. */
void mp_log_python_error(server_rec *s, const char *context);

/* -------------------------------------------------------- request state */

/* Reading the request body: one reader per request, whatever the
 * interpreter.  Bytes read ahead by readline() wait in buffer. */
typedef struct {
    int setup_done;
    int can_read;
    int eof;
    char *buffer;
    apr_size_t buffer_len;
    apr_size_t buffer_pos;
} mp_read_state;

/* What mod_python keeps about one request_rec (r->request_config). */
typedef struct mp_request_state {
    mp_read_state reading;
    request_rec *r;
    apr_array_header_t *objects;  /* mp_request_link: one per interpreter */
    apr_array_header_t *dynamic;  /* mp_dynamic_handler: req.add_handler */
    int cleanup_registered;
    int current_phase;            /* phase running now, or -1 */
    char *write_buffer;           /* small req.write(data, 0) data, kept */
    apr_size_t write_buffered;    /* until it is handed to Apache */
    int wrote_to_apache;          /* some of the body went to Apache */
    int output_cut;               /* a Python output filter failed and cut
                                   * the response (filterobject.c) */
    apr_hash_t *filters;          /* req.register_*_filter: name -> ctx */
    const char *current_directory;/* directory of the running handler */
    const mp_handler *current_handler; /* the running handler, or NULL */
    mp_handler_cursor current_cursor;  /* just after current_handler */
    const char *current_location; /* its <Location> path, or NULL */
    int unmapped;                 /* a <Location> handler's URL: not mapped
                                   * to the file system (mod_python.c) */
} mp_request_state;

typedef struct {
    mp_interp *interp;
    PyObject *request;            /* mp_request object */
} mp_request_link;

typedef struct {
    int phase;
    mp_handler handler;
} mp_dynamic_handler;

mp_request_state *mp_request_state_get(request_rec *r);

/* The handler of phase after cursor for r, or NULL; advances cursor. */
const mp_handler *mp_next_handler(request_rec *r, mp_request_state *state,
                                  int phase, mp_handler_cursor *cursor);

/* Hand the data kept by req.write(data, 0) to Apache.  Call WITHOUT the
 * GIL (the filters it runs may need it).  Returns ap_rwrite's result. */
int mp_request_write_buffered(mp_request_state *state);

/* After the content handler: hand the kept data to Apache and flush, with
 * a Content-Length when that data is the whole body.  Without the GIL. */
int mp_request_finish_response(mp_request_state *state);

/* The request object of interp for the request of state (borrowed; GIL). */
PyObject *mp_request_object(mp_request_state *state, mp_interp *interp);

/* The interpreter name for handler h in phase (manual 4.1), for request
 * r, or (r NULL) for a connection handler or filter of server s. */
const char *mp_select_interpreter(request_rec *r, server_rec *s,
                                  mp_dir_config *conf, const mp_handler *h,
                                  int phase);

/* The status a dispatcher's result gives (a new reference, consumed):
 * NULL (an internal error) or not an int is logged against s, naming the
 * phase (directive) and handler, and gives 500.  GIL held. */
long mp_dispatch_status(PyObject *result, server_rec *s, const char *phase,
                        const char *handler);

/* Flags for apache._dispatch*: */
#define MP_FLAG_DEBUG      1
#define MP_FLAG_AUTORELOAD 2
#define MP_FLAG_SILENT     4
#define MP_FLAG_PDB        8
#define MP_SKIPPED       (-100)  /* apache._dispatch: silent handler absent */
int mp_handler_flags(const mp_dir_config *conf, const mp_handler *h);

/* dispatch(target, phase, handler, directory, flags, python_path); a
 * NULL target is left out of the arguments. */
PyObject *mp_dispatch_args_call(PyObject *dispatch, PyObject *target,
                                PyObject *phase, const mp_handler *h,
                                int flags, const char *python_path);
void mp_request_state_register_cleanup(mp_request_state *state);

/* dispatch.c: call configured handler h of a request phase the short way
 * when what resolving it needs is known and unchanged.  Returns 1 with
 * *status set (the handler ran, or its module could not be loaded: as
 * apache._dispatch would answer), or 0 when nothing ran and
 * apache._dispatch must be called.  GIL held in interp. */
int mp_fast_dispatch(mp_interp *interp, PyObject *req, const mp_handler *h,
                     int phase_index, int flags, const char *python_path,
                     long *status);

/* -------------------------------------------------------- python types */

/* The request object (req). */
typedef struct {
    PyObject_HEAD
    request_rec *r;              /* NULL once the request is over */
    PyObject *dict;              /* attributes set by handlers */
    PyObject *phase;             /* str: the phase running now */
    PyObject *interpreter;       /* str */
    PyObject *connection;        /* cached conn object */
    PyObject *cleanups;          /* list of (callable, data), or NULL */
    PyObject *content_type_set;  /* Py_True once content_type assigned */
    mp_request_state *state;
    mp_interp *interp;
} mp_request;

/* The types of mod_python's objects are heap types, made once per
 * interpreter from these specs when _apache is imported there (an
 * interpreter with its own GIL must not share a type object with another
 * interpreter: its reference count and caches are not atomic). */
extern PyType_Spec mp_request_spec;
extern PyType_Spec mp_table_spec;
extern PyType_Spec mp_conn_spec;
extern PyType_Spec mp_server_spec;
extern PyType_Spec mp_hlist_spec;
extern PyType_Spec mp_filter_spec;

/* The module state of _apache: everything per interpreter that C code
 * needs outside a method of one of these objects. */
typedef struct {
    PyTypeObject *request_type;
    PyTypeObject *table_type;
    PyTypeObject *conn_type;
    PyTypeObject *server_type;
    PyTypeObject *hlist_type;
    PyTypeObject *filter_type;
    PyTypeObject *finfo_type;
} mp_state;

/* The _apache state of the interpreter this thread runs in (importing
 * _apache there first if need be), or NULL with an exception set.  Needs
 * the GIL.  Cheap: a thread-local cache keyed by the interpreter's id. */
mp_state *mp_state_get(void);

/* Whether obj is an instance of the given mp_state type of the running
 * interpreter (or of a subclass); 0 also when there is no state (the
 * exception is cleared: these checks are yes/no questions). */
#define MP_TYPE_REQUEST offsetof(mp_state, request_type)
#define MP_TYPE_TABLE   offsetof(mp_state, table_type)
#define MP_TYPE_CONN    offsetof(mp_state, conn_type)
#define MP_TYPE_SERVER  offsetof(mp_state, server_type)
#define MP_TYPE_FINFO   offsetof(mp_state, finfo_type)
int mp_type_check(PyObject *obj, size_t which);

/* <!--#python--> (ssi.c, filterobject.c) */
void mp_ssi_register_hooks(void);

/* pythonpath.c: what is wrong with a PythonPath expression (a message
 * allocated in pool), or NULL when it is sys.path and string lists. */
const char *mp_python_path_problem(apr_pool_t *pool, const char *text);

/* sourceguard.c: refuse to send a handler directory's .py as a file */
void mp_source_guard_register_hooks(void);
int mp_filter_run_include(ap_filter_t *f, apr_bucket_brigade *bb,
                          const char *tag, const char *code);

/* req.hlist: a snapshot of the handlers of the running phase. */
PyObject *mp_hlist_new(request_rec *r, mp_request_state *state);

PyObject *mp_request_new(request_rec *r, mp_request_state *state);
void mp_request_invalidate(mp_request *req);
/* False once the request/connection behind a request or conn object is
 * gone (other objects: always true). */
int mp_owner_alive(PyObject *owner);

/* A table object viewing t, copying into pool; while owner (a request or
 * connection object, may be NULL) is alive, t and pool are. */
PyObject *mp_table_wrap(apr_table_t *t, apr_pool_t *pool, PyObject *owner);
/* New owned table holding the PythonOption entries of options (without
 * the removed keys). */
PyObject *mp_table_copy_of_options(const apr_table_t *options);
/* New owned table.  */
PyObject *mp_table_new_empty(void);
/* The apr_table_t behind a table object, or NULL (TypeError set). */
apr_table_t *mp_table_get(PyObject *obj);
/* A new standalone table holding a copy of t. */
PyObject *mp_table_copy_of(const apr_table_t *t);

/* The conn object; owner (a request object, or NULL for a connection
 * handler's own connection) bounds its lifetime. */
PyObject *mp_conn_new(conn_rec *c, PyObject *owner);
void mp_conn_invalidate(PyObject *conn);
int mp_owner_alive_conn(PyObject *conn);
PyObject *mp_server_new(server_rec *s);
/* The server_rec of a server object, or NULL (TypeError set). */
server_rec *mp_server_rec(PyObject *obj);

/* str <-> bytes as DESIGN.md says: UTF-8 with surrogateescape. */
PyObject *mp_str(const char *s);          /* NULL s -> None */
PyObject *mp_str_or_empty(const char *s); /* NULL s -> "" */
/* Body data as bytes: bytes (or another buffer) as is, str as UTF-8
 * (surrogateescape).  New reference, or NULL with TypeError set. */
PyObject *mp_body_bytes(PyObject *data);
/* convert.c: a tuple of the strings of an array of char * (NULL list:
 * empty); (ip, port) of a socket address, or None; raise OSError(rv,
 * "what: reason", filename) for an APR status (what may be NULL) and
 * return NULL. */
PyObject *mp_str_tuple(const apr_array_header_t *list);
PyObject *mp_sockaddr_tuple(apr_sockaddr_t *sa);
PyObject *mp_apr_os_error(apr_status_t rv, const char *what,
                          PyObject *filename);

/* Copy a str/bytes value into pool p; NULL + exception on error (also
 * when the value contains a NUL byte). */
const char *mp_pstr_from_object(apr_pool_t *p, PyObject *value,
                                const char *what);
/* str (encoded) or bytes as a new bytes object; NULL + exception when
 * value is neither, or contains a NUL byte. */
PyObject *mp_text_bytes(PyObject *value, const char *what);
PyObject *mp_log_message(PyObject *message);
int mp_log_args(PyObject *args, PyObject **message, int *level);

/* mp_finfo (req.finfo, apache.stat()) from an apr_finfo_t, and back
 * (obj: an mp_finfo or None; strings copied into p). */
PyObject *mp_finfo_new(const apr_finfo_t *f);
int mp_finfo_fill(PyObject *obj, apr_finfo_t *f, apr_pool_t *p);

/* Filters (filterobject.c). */
apr_status_t mp_output_filter(ap_filter_t *f, apr_bucket_brigade *bb);
apr_status_t mp_input_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                             ap_input_mode_t mode, apr_read_type_e block,
                             apr_off_t readbytes);
void mp_filter_registry_reset(apr_pool_t *pconf);
const char *mp_filter_register(cmd_parms *cmd, const char *handler,
                               const char *name, int is_input);
void mp_filter_register_generic(void);
int mp_filter_register_dynamic(request_rec *r, mp_request_state *state,
                               const char *name, const char *handler,
                               const char *directory, int is_input);
int mp_filter_add(request_rec *r, mp_request_state *state, const char *name,
                  int is_input);

/* Connection handlers (connobject.c). */
int mp_process_connection(conn_rec *c);

/* Growing byte buffers (buffer.c). */
typedef struct {
    char *data;
    apr_size_t len;
    apr_size_t size;
} mp_buffer;

/* Room for extra more bytes: 0, or -1 with MemoryError set. */
int mp_buffer_reserve(mp_buffer *b, apr_size_t extra);
/* The contents as bytes (NULL + exception on failure); frees b. */
PyObject *mp_buffer_finish(mp_buffer *b);
void mp_buffer_free(mp_buffer *b);
/* Move at most max bytes of data bucket b (through the first LF when line,
 * then *found_newline is set) to out; the part taken leaves the brigade.
 * Called with the GIL (released for the bucket read).  APR_ENOMEM comes
 * with MemoryError set; other errors set no exception. */
apr_status_t mp_bucket_take(apr_bucket *b, mp_buffer *out, apr_size_t max,
                            int line, int *found_newline);

/* The built-in _apache module. */
PyObject *mp_init_apache_module(void);

/* mutex.c: the global mutexes of _apache._global_lock(). */
void mp_mutex_register_hooks(void);
/* Release the locks this thread still holds (after a request's cleanups). */
void mp_mutex_release_leftovers(request_rec *r);
int mp_mutex_add_functions(PyObject *module);
/* wsgi.c: _apache.wsgi_environ, wsgi_sendfile, wsgi_close_connection */
extern PyMethodDef mp_wsgi_functions[];

#endif /* MOD_PYTHON_H */
