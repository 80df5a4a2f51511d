"""Input and output filters (manual 4.3, 4.5.5, 5.2)."""

import requests

from harness import modules_dir

HOST = "filters.test"

CONFIG = ("LoadModule include_module %s/mod_include.so\n" % modules_dir()) + """
PythonOutputFilter capitalize CAPITALIZE
PythonInputFilter capitalize CAPIN
PythonOutputFilter filtertools::broken BROKEN
PythonOutputFilter filtertools::keeper KEEPER
PythonOutputFilter filtertools::closer CLOSER
PythonOutputFilter filtertools::marker MARKER
PythonOutputFilter filtertools::describe DESCRIBE
<VirtualHost *:{port}>
    ServerName filters.test
    DocumentRoot {htdocs}/filters
    PythonPath "sys.path+['{htdocs}/filters']"
    PythonDebug On
    <Directory {htdocs}/filters>
        AddOutputFilter CAPITALIZE .txt
    </Directory>
    <Location /py>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /big>
        SetHandler mod_python
        PythonHandler filtertools::big
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /mixed>
        SetHandler mod_python
        PythonHandler filtertools::mixed_writes
    </Location>
    <Location /mixed-filtered>
        SetHandler mod_python
        PythonHandler filtertools::mixed_writes
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /small>
        SetHandler mod_python
        PythonHandler filtertools::small_unflushed
    </Location>
    <Location /small-filtered>
        SetHandler mod_python
        PythonHandler filtertools::small_unflushed
        SetOutputFilter CAPITALIZE
    </Location>
    <Location /rss>
        SetHandler mod_python
        PythonHandler filtertools::rss
    </Location>
    <Location /upper-post>
        SetHandler mod_python
        PythonHandler filtertools::echo_body
        SetInputFilter CAPIN
    </Location>
    <Location /plain-post>
        SetHandler mod_python
        PythonHandler filtertools::echo_body
    </Location>
    <Location /broken>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter BROKEN
    </Location>
    <Location /keeper>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter KEEPER
    </Location>
    <Location /use-kept>
        SetHandler mod_python
        PythonHandler filtertools::use_kept
    </Location>
    <Location /closer>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter CLOSER
    </Location>
    <Location /describe>
        SetHandler mod_python
        PythonHandler filtertools::small_writes
        SetOutputFilter DESCRIBE
    </Location>
    <Location /dynamic>
        SetHandler mod_python
        PythonHandler filtertools::dynamic
    </Location>
    <Location /unknown>
        SetHandler mod_python
        PythonHandler filtertools::unknown_filter
    </Location>
    <Files page.shtml>
        Options +Includes
        SetOutputFilter INCLUDES
    </Files>
    <Directory {htdocs}/filters/sub>
        SetOutputFilter MARKER
    </Directory>
</VirtualHost>
"""

SMALL_WRITES = "".join("w%d," % i for i in range(1000))


def test_capitalize_static_file(httpd):
    response = httpd.get("/static.txt", host=HOST)
    assert response.status_code == 200
    assert response.text == "HELLO STATIC WORLD\n"


def test_capitalize_python_handler_output_of_1000_writes(httpd):
    response = httpd.get("/py", host=HOST)
    assert response.status_code == 200
    assert response.text == SMALL_WRITES.upper()


def test_filter_members(httpd):
    response = httpd.get("/describe", host=HOST)
    assert response.status_code == 200
    first, rest = response.text.split("\n", 1)
    name, handler, is_input, closed = first.split()
    assert name.lower() == "name=describe"  # Apache keeps names lower-cased
    assert (handler, is_input, closed) == (
        "handler=filtertools::describe", "is_input=False", "closed=False")
    assert rest == SMALL_WRITES


def test_streaming_10_mib_in_bounded_memory(httpd):
    with requests.Session() as session:
        def get(path):
            return session.get(httpd.url(path), headers={"Host": HOST},
                               timeout=60)
        get("/py")                          # warm the child up
        pid, before = map(int, get("/rss").text.split())
        response = get("/big")
        pid_after, after = map(int, get("/rss").text.split())
    assert pid_after == pid, "keep-alive moved to another process"
    assert response.status_code == 200
    assert len(response.content) == 10 * 1024 * 1024
    assert response.content[:32] == b"ABCDEFGHIJKLMNOP" * 2
    assert set(response.content) == set(b"ABCDEFGHIJKLMNOP")
    growth_kib = after - before
    assert growth_kib < 5 * 1024, \
        "peak RSS of the child grew by %d KiB for a 10 MiB response" \
        % growth_kib


def test_input_filter_transforms_post_body(httpd):
    body = b"post body, line one\nline two\n" * 1000
    response = httpd.post("/upper-post", host=HOST, data=body)
    assert response.status_code == 200
    assert response.content == body.upper()


def test_input_filter_with_chunked_body(httpd):
    body = b"chunked data " * 5000
    response = httpd.post("/upper-post", host=HOST,
                          data=iter([body[:1000], body[1000:]]))
    assert response.status_code == 200
    assert response.content == body.upper()


def test_without_filter_body_is_unchanged(httpd):
    response = httpd.post("/plain-post", host=HOST, data=b"Mixed Case")
    assert response.content == b"Mixed Case"


def test_filter_that_raises_is_logged_and_response_completes(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/broken", host=HOST)
    assert response.status_code == 200
    # the part the filter wrote before raising plus the rest, untouched
    assert response.text == SMALL_WRITES
    log = httpd.wait_for_log("filter broke on purpose", since=offset)
    assert "Traceback (most recent call last)" in log
    assert "exception in PythonOutputFilter filtertools::broken" in log
    # the server goes on
    assert httpd.get("/static.txt", host=HOST).status_code == 200


def test_filter_object_is_unusable_after_its_call(httpd):
    with requests.Session() as session:
        headers = {"Host": HOST}
        first = session.get(httpd.url("/keeper"), headers=headers, timeout=20)
        second = session.get(httpd.url("/use-kept"), headers=headers,
                             timeout=20)
    assert first.text == SMALL_WRITES
    assert second.status_code == 200
    assert second.text.startswith("RuntimeError: this filter object is no "
                                  "longer valid"), second.text


def test_read_after_close_raises(httpd):
    offset = httpd.error_log_size()
    response = httpd.get("/closer", host=HOST)
    assert response.text == SMALL_WRITES
    assert "read after close raised OSError" in httpd.wait_for_log(
        "read after close raised", since=offset)


def test_dynamic_filter_from_handler(httpd):
    response = httpd.get("/dynamic", host=HOST)
    assert response.status_code == 200
    assert response.text == "ADDED AT RUN TIME"


def test_adding_an_unknown_filter_raises(httpd):
    response = httpd.get("/unknown", host=HOST)
    assert response.status_code == 200
    assert response.text.startswith("ValueError: no output filter named")


def test_filter_knows_it_runs_in_a_subrequest(httpd):
    main = httpd.get("/sub/part.html", host=HOST)
    assert main.text == "included\n[main]"
    page = httpd.get("/page.shtml", host=HOST)
    assert page.status_code == 200
    assert page.text == "before included\n[sub] after\n"


MIXED = "abc" + "d" * 5000 + "e" * 5000 + "f" + "g" * 20000 + "h"


def test_unflushed_and_flushed_writes_arrive_in_order(httpd):
    response = httpd.get("/mixed", host=HOST)
    assert response.status_code == 200
    assert response.text == MIXED


def test_unflushed_writes_through_a_python_filter(httpd):
    response = httpd.get("/mixed-filtered", host=HOST)
    assert response.status_code == 200
    assert response.text == MIXED.upper()


def test_unflushed_body_goes_out_with_content_length(httpd):
    response = httpd.get("/small", host=HOST)
    assert response.text == "one two three"
    assert response.headers.get("Content-Length") == "13"
    assert "Transfer-Encoding" not in response.headers
    head = httpd.request("HEAD", "/small", host=HOST)
    assert head.status_code == 200 and head.content == b""


def test_no_content_length_guess_through_a_python_filter(httpd):
    """A Python filter may change the length: mod_python sets none."""
    response = httpd.get("/small-filtered", host=HOST)
    assert response.text == "ONE TWO THREE"
    assert response.headers.get("Content-Length") in (None, "13")
