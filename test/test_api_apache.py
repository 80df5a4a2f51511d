"""The mod_python.apache module: functions and constants (manual 4.5.1)."""

import os
import stat
import uuid

CONFIG = """
<VirtualHost *:{port}>
    ServerName api-apache.test
    DocumentRoot {htdocs}/api/apache
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/apache>
        SetHandler mod_python
        PythonHandler apachemod
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName api-log.test
    DocumentRoot {htdocs}/api/apache
    ErrorLog {tmp}/logs/api_log_error_log
    LogLevel notice
    PythonPath "sys.path+['{htdocs}/api/common']"
    <Directory {htdocs}/api/apache>
        SetHandler mod_python
        PythonHandler apachemod
    </Directory>
</VirtualHost>
"""

HOST = "api-apache.test"

# seed 004: the status codes a handler may return
SEED_004 = """HTTP_CONTINUE = 100 HTTP_SWITCHING_PROTOCOLS = 101
HTTP_PROCESSING = 102 HTTP_OK = 200 HTTP_CREATED = 201 HTTP_ACCEPTED = 202
HTTP_NON_AUTHORITATIVE = 203 HTTP_NO_CONTENT = 204 HTTP_RESET_CONTENT = 205
HTTP_PARTIAL_CONTENT = 206 HTTP_MULTI_STATUS = 207
HTTP_MULTIPLE_CHOICES = 300 HTTP_MOVED_PERMANENTLY = 301
HTTP_MOVED_TEMPORARILY = 302 HTTP_SEE_OTHER = 303 HTTP_NOT_MODIFIED = 304
HTTP_USE_PROXY = 305 HTTP_TEMPORARY_REDIRECT = 307 HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401 HTTP_PAYMENT_REQUIRED = 402 HTTP_FORBIDDEN = 403
HTTP_NOT_FOUND = 404 HTTP_METHOD_NOT_ALLOWED = 405 HTTP_NOT_ACCEPTABLE = 406
HTTP_PROXY_AUTHENTICATION_REQUIRED= 407 HTTP_REQUEST_TIME_OUT = 408
HTTP_CONFLICT = 409 HTTP_GONE = 410 HTTP_LENGTH_REQUIRED = 411
HTTP_PRECONDITION_FAILED = 412 HTTP_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_REQUEST_URI_TOO_LARGE = 414 HTTP_UNSUPPORTED_MEDIA_TYPE = 415
HTTP_RANGE_NOT_SATISFIABLE = 416 HTTP_EXPECTATION_FAILED = 417
HTTP_UNPROCESSABLE_ENTITY = 422 HTTP_LOCKED = 423
HTTP_FAILED_DEPENDENCY = 424 HTTP_INTERNAL_SERVER_ERROR = 500
HTTP_NOT_IMPLEMENTED = 501 HTTP_BAD_GATEWAY = 502
HTTP_SERVICE_UNAVAILABLE = 503 HTTP_GATEWAY_TIME_OUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505 HTTP_VARIANT_ALSO_VARIES = 506
HTTP_INSUFFICIENT_STORAGE = 507 HTTP_NOT_EXTENDED = 510"""

# httpd.h, http_core.h, apr_file_info.h
HEADER_CONSTANTS = {
    "OK": 0, "DECLINED": -1, "DONE": -2,
    "APLOG_EMERG": 0, "APLOG_ALERT": 1, "APLOG_CRIT": 2, "APLOG_ERR": 3,
    "APLOG_WARNING": 4, "APLOG_NOTICE": 5, "APLOG_INFO": 6, "APLOG_DEBUG": 7,
    "APLOG_NOERRNO": 0,
    "M_GET": 0, "M_PUT": 1, "M_POST": 2, "M_DELETE": 3, "M_CONNECT": 4,
    "M_OPTIONS": 5, "M_TRACE": 6, "M_PATCH": 7, "M_PROPFIND": 8,
    "M_PROPPATCH": 9, "M_MKCOL": 10, "M_COPY": 11, "M_MOVE": 12,
    "M_LOCK": 13, "M_UNLOCK": 14, "M_VERSION_CONTROL": 15, "M_CHECKOUT": 16,
    "M_UNCHECKOUT": 17, "M_CHECKIN": 18, "M_UPDATE": 19, "M_LABEL": 20,
    "M_REPORT": 21, "M_MKWORKSPACE": 22, "M_MKACTIVITY": 23,
    "M_BASELINE_CONTROL": 24, "M_MERGE": 25, "M_INVALID": 26, "METHODS": 64,
    "REMOTE_HOST": 0, "REMOTE_NAME": 1, "REMOTE_NOLOOKUP": 2,
    "REMOTE_DOUBLE_REV": 3,
    "PROXYREQ_NONE": 0, "PROXYREQ_PROXY": 1, "PROXYREQ_REVERSE": 2,
    "PROXYREQ_RESPONSE": 3,
    "FINFO_MODE": 0, "FINFO_INO": 1, "FINFO_DEV": 2, "FINFO_NLINK": 3,
    "FINFO_UID": 4, "FINFO_GID": 5, "FINFO_SIZE": 6, "FINFO_ATIME": 7,
    "FINFO_MTIME": 8, "FINFO_CTIME": 9, "FINFO_FNAME": 10, "FINFO_NAME": 11,
    "FINFO_FILETYPE": 12,
    "URI_SCHEME": 0, "URI_HOSTINFO": 1, "URI_USER": 2, "URI_PASSWORD": 3,
    "URI_HOSTNAME": 4, "URI_PORT": 5, "URI_PATH": 6, "URI_QUERY": 7,
    "URI_FRAGMENT": 8,
    "APR_NOFILE": 0, "APR_REG": 1, "APR_DIR": 2, "APR_LNK": 6,
    "APR_FINFO_MIN": 0x8170, "APR_FINFO_NORM": 0x73b170,
    "AP_MPMQ_IS_THREADED": 2, "AP_MPMQ_IS_FORKED": 3,
    "AP_REQ_ACCEPT_PATH_INFO": 0, "AP_REQ_REJECT_PATH_INFO": 1,
    "AP_REQ_DEFAULT_PATH_INFO": 2,
}


def get(httpd, path, status=200, host=HOST, **kwargs):
    response = httpd.get(path, host=host, **kwargs)
    assert response.status_code == status, response.text
    return response


def test_every_constant_has_its_apache_value(httpd):
    constants = get(httpd, "/constants").json()
    seed = {}
    for pair in SEED_004.replace("\n", " ").split("HTTP_")[1:]:
        name, value = pair.split("=")
        seed["HTTP_" + name.strip()] = int(value)
    assert len(seed) == 48
    expected = dict(seed, **HEADER_CONSTANTS)
    wrong = {name: (constants.get(name), value)
             for name, value in expected.items()
             if constants.get(name) != value}
    assert wrong == {}


def test_log_error_honours_each_servers_loglevel(httpd):
    token = uuid.uuid4().hex
    offset = httpd.error_log_size()
    details = get(httpd, "/log?" + token, host="api-log.test").json()
    vhost_log_path = httpd.tmp / "logs" / "api_log_error_log"
    assert details["error_fname"] == str(vhost_log_path)
    assert details["loglevel"] == 5          # LogLevel notice
    main_log = httpd.wait_for_log(token + " main-keywords", since=offset)
    vhost_log = vhost_log_path.read_bytes().decode("utf-8", "surrogateescape")

    def logged(log, what):
        return "%s %s" % (token, what) in log

    # req.log_error, server.log_error, apache.log_error(..., server): the
    # virtual host's ErrorLog and LogLevel notice
    for what in ("req-warning", "req-default", "server-notice",
                 "module-server-err"):
        assert logged(vhost_log, what), what
    for what in ("req-info", "server-debug", "module-server-debug"):
        assert not logged(vhost_log, what), what
    # apache.log_error without a server: the main error log, LogLevel info
    assert logged(main_log, "main-info")
    assert logged(main_log, "main-keywords")
    assert not logged(main_log, "main-debug")
    assert not logged(vhost_log, "main-info")
    # the levels appear as Apache writes them
    assert "[python:warn]" in vhost_log and "[python:notice]" in vhost_log
    # a str with surrogate escapes is written back as the original byte
    # (which Apache escapes in its log)
    assert logged(vhost_log, "undecodable-\\xff-byte")
    assert logged(vhost_log, "as-bytes-\\xe9")
    # a NUL is logged as \x00 (test_defects.py), not refused
    assert details["nul"][0] == "ok"
    assert details["int"][0] == "TypeError"
    assert details["bad_server"][0] == "TypeError"


def test_config_tree_is_the_parsed_configuration(httpd):
    tree = get(httpd, "/config-tree").json()
    assert ["ServerName", "localhost"] in tree
    assert ["DocumentRoot", str(httpd.htdocs)] in tree
    # directives run while reading (LoadModule, Define...) are not kept
    assert not [item for item in tree if item[0] == "LoadModule"]
    # a section is followed by the list of its contents
    sections = [tree[i + 1] for i, item in enumerate(tree[:-1])
                if item[0] == "<VirtualHost" and isinstance(tree[i + 1], list)]
    ours = [section for section in sections
            if ["ServerName", HOST] in section]
    assert len(ours) == 1
    directory = ours[0][ours[0].index(
        ["<Directory", "%s/api/apache>" % httpd.htdocs]) + 1]
    assert ["PythonHandler", "apachemod"] in directory


def test_server_root(httpd):
    assert get(httpd, "/server-root").json() == str(httpd.tmp)


def test_mpm_query_and_name(httpd):
    mpm = get(httpd, "/mpm").json()
    assert mpm["name"] == httpd.mpm
    if httpd.mpm == "prefork":
        assert mpm["threaded"] == 0          # AP_MPMQ_NOT_SUPPORTED
        assert mpm["max_threads"] == 1
    else:
        assert mpm["threaded"] == 1          # AP_MPMQ_STATIC
        assert mpm["max_threads"] == 10      # ThreadsPerChild
    assert mpm["forked"] == 2                # AP_MPMQ_DYNAMIC
    assert mpm["state"] == 1                 # AP_MPMQ_RUNNING
    assert mpm["unknown"][0] == "ValueError"


def test_exists_config_define(httpd):
    # the harness runs apache2 -DFOREGROUND
    assert get(httpd, "/define").json() == {"FOREGROUND": True,
                                            "NO_SUCH_DEFINE": False}


def test_stat_is_apr_stat_and_os_stat_compatible(httpd):
    result = get(httpd, "/stat").json()
    path = httpd.htdocs / "api" / "apache" / "file.txt"
    expected = os.stat(path)
    found = result["file"]
    assert found["filetype"] == 1                        # APR_REG
    assert found["fname"] == str(path)
    assert found["mode"] == found["st_mode"] == expected.st_mode
    assert stat.S_ISREG(found["tuple"][0])
    assert found["size"] == found["st_size"] == expected.st_size
    assert found["tuple"][6] == expected.st_size          # FINFO_SIZE
    assert abs(found["mtime"] - expected.st_mtime) < 1e-3
    assert found["inode"] == expected.st_ino
    assert found["device"] == expected.st_dev
    assert found["nlink"] == expected.st_nlink
    assert (found["user"], found["group"]) == (expected.st_uid,
                                               expected.st_gid)
    assert len(found["tuple"]) == 13
    assert result["dir"]["filetype"] == 2                # APR_DIR
    assert stat.S_ISDIR(result["dir"]["mode"])
    assert result["min"]["size"] == expected.st_size
    missing = result["missing"]
    assert missing["filetype"] == 0                      # APR_NOFILE
    assert missing["size"] is None and missing["mode"] is None
    assert result["denied"][0] == "PermissionError"
    assert result["nul"][0] == "ValueError"


def test_req_finfo_of_a_file(httpd):
    found = get(httpd, "/file.txt").json()
    expected = os.stat(httpd.htdocs / "api" / "apache" / "file.txt")
    assert found["filetype"] == 1
    assert found["size"] == expected.st_size
    assert found["mode"] == expected.st_mode


def test_req_finfo_accepts_apache_stat(httpd):
    result = get(httpd, "/finfo-assign").json()
    assert result["before"] == 0                         # no such file
    assert result["after"]["filetype"] == 1
    assert result["after"]["fname"].endswith("/api/apache/file.txt")
    assert result["wrong"][0] == "TypeError"
    assert result["cleared"] == 0


def test_import_module_searches_path_and_reloads_changed_files(httpd):
    offset = httpd.error_log_size()
    steps = get(httpd, "/import").json()
    assert steps["first"] == 1
    assert steps["file_in_path"]
    assert steps["unchanged_same_object"]
    assert steps["unchanged_not_executed"]
    assert steps["no_autoreload"] == 1
    assert steps["changed"] == 2
    assert steps["changed_executed"]
    assert steps["path_module"] == "importable"
    assert steps["missing"][0] == "ModuleNotFoundError"
    log = httpd.wait_for_log("reloaded " + steps["name"], since=offset)
    assert "mod_python.apache: MP01002: reloaded " + steps["name"] in log


def test_table_and_make_table(httpd):
    assert get(httpd, "/table").json() == {
        "same_type": True,
        "empty": 0,
        "from_dict": [["A", "1"], ["b", "2"]],
        "from_pairs": "2",                   # like dict(pairs)
        "kwargs": [["k", "v"]],
    }


def test_server_return(httpd):
    get(httpd, "/server-return", status=403)
    get(httpd, "/server-return-pair", status=201)


def test_allow_methods_takes_numbers_and_names(httpd):
    response = get(httpd, "/allow", status=405)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "PUT", "FOO"} <= allowed
    assert get(httpd, "/allow?bad").json()[0] == "ValueError"
