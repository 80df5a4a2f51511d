"""Interpreter naming (manual 4.1, 5.4.4-5.4.6) and separate namespaces."""

import collections
import concurrent.futures
import json

import requests

CONFIG = """
<VirtualHost *:{port}>
    ServerName interp-a.test
    DocumentRoot {htdocs}/interp
    <Directory {htdocs}/interp>
        SetHandler mod_python
        PythonHandler interpmod
    </Directory>
    <Location /forced>
        PythonInterpreter forced_name
    </Location>
    <Location /main>
        PythonInterpreter main_interpreter
    </Location>
    <Directory {htdocs}/interp/perdir>
        PythonInterpPerDirectory On
    </Directory>
    <Directory {htdocs}/interp/perdirective>
        PythonInterpPerDirective On
        PythonHandler perdirectivemod
    </Directory>
    <Directory {htdocs}/interp/inherited>
        PythonInterpPerDirective On
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName interp-b.test
    DocumentRoot {htdocs}/interp
    <Directory {htdocs}/interp>
        SetHandler mod_python
        PythonHandler interpmod
    </Directory>
</VirtualHost>
"""

A = "interp-a.test"
B = "interp-b.test"


def interpreter_of(httpd, path, host=A):
    response = httpd.get(path, host=host)
    assert response.status_code == 200, response.text
    return response.json()["interpreter"]


def test_default_name_is_the_server_name(httpd):
    assert interpreter_of(httpd, "/page", host=A) == A
    assert interpreter_of(httpd, "/page", host=B) == B


def test_virtual_hosts_have_separate_namespaces(httpd, trace_id):
    """Over one keep-alive connection (so one process): a global stored in
    interp-a's copy of the module is not seen by interp-b's copy."""
    with requests.Session() as session:
        def get(path, host):
            response = session.get(httpd.url(path), headers={"Host": host},
                                   timeout=20)
            assert response.status_code == 200, response.text
            return response.json()
        stored = get("/store?" + trace_id, A)
        other = get("/read", B)
        again = get("/read", A)
    assert stored["pid"] == other["pid"] == again["pid"], \
        "keep-alive requests were served by different processes"
    assert again["stored"] == trace_id
    assert other["stored"] != trace_id
    assert stored["mark"] == again["mark"]
    assert other["mark"] != stored["mark"]


def test_python_interpreter_forces_the_name(httpd):
    assert interpreter_of(httpd, "/forced/page") == "forced_name"


def test_main_interpreter_by_name(httpd):
    assert interpreter_of(httpd, "/main/page") == "main_interpreter"


def test_interp_per_directory_uses_the_directory_of_the_file(httpd):
    perdir = "%s/interp/perdir/" % httpd.htdocs
    assert interpreter_of(httpd, "/perdir/page.txt") == perdir
    assert interpreter_of(httpd, "/perdir/sub/page.txt") == perdir + "sub/"


def test_interp_per_directive_uses_the_directory_of_the_directive(httpd):
    perdirective = "%s/interp/perdirective/" % httpd.htdocs
    assert interpreter_of(httpd, "/perdirective/page.txt") == perdirective
    assert interpreter_of(httpd, "/perdirective/sub/page.txt") == perdirective


def test_interp_per_directive_with_inherited_handler(httpd):
    """The PythonHandler in effect was written in <Directory .../interp>."""
    assert interpreter_of(httpd, "/inherited/sub/page.txt") == \
        "%s/interp/" % httpd.htdocs


def test_concurrent_requests_in_three_interpreters(httpd):
    targets = [(A, "/slow", A), (B, "/slow", B),
               (A, "/forced/slow", "forced_name")]
    jobs = [targets[i % len(targets)] for i in range(60)]

    def fetch(job):
        host, path, expected = job
        response = httpd.get(path, host=host)
        return expected, response.status_code, response.text

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(fetch, jobs))

    seen = collections.defaultdict(list)
    failed = [(status, text) for _, status, text in results if status != 200]
    assert failed == [], "%d of %d requests failed" % (len(failed),
                                                        len(results))
    for expected, _, text in results:
        body = json.loads(text)
        assert body["interpreter"] == expected
        assert body["same_module"], "handler saw another interpreter's module"
        seen[body["pid"], body["interpreter"]].append(
            (body["count"], body["mark"]))
    for (pid, interpreter), replies in sorted(seen.items()):
        marks = {mark for count, mark in replies}
        counts = [count for count, mark in replies]
        assert len(marks) == 1, (
            "handler module executed %d times in interpreter %r of pid %d "
            "(count, mark): %s" % (len(marks), interpreter, pid,
                                   sorted(replies)))
        assert len(counts) == len(set(counts)), \
            "duplicate counts in %r of pid %d: %s" % (interpreter, pid, counts)
