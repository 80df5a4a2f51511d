"""The short way into a handler (src/dispatch.c) behaves as the long one
(apache._dispatch): what a handler's module name, sys.modules and sys.path
say is read on every request, not remembered from the first.  Each test
makes the state change a cache could miss, then checks the next request
Each test keeps one keep-alive connection, so one child process serves
all its requests (both MPMs)."""

CONFIG = """
<VirtualHost *:{port}>
    ServerName hotpath.test
    DocumentRoot {htdocs}/hotpath
    <Directory {htdocs}/hotpath/rebind>
        SetHandler mod_python
        PythonHandler rebind
        PythonInterpreter hotpath_rebind
    </Directory>
    <Directory {htdocs}/hotpath/forget>
        SetHandler mod_python
        PythonPath "sys.path+['{htdocs}/hotpath_lib']"
        PythonHandler hotpath_counter
        PythonInterpreter hotpath_forget
    </Directory>
    <Directory {htdocs}/hotpath/syspath>
        SetHandler mod_python
        PythonHandler syspath_check
        PythonInterpreter hotpath_syspath
    </Directory>
    <Directory {htdocs}/hotpath/stream>
        SetHandler mod_python
        PythonHandler stream
    </Directory>
</VirtualHost>
"""

import requests

HOST = "hotpath.test"


def text(session, httpd, path):
    response = session.get(httpd.url(path), headers={"Host": HOST},
                           timeout=20)
    assert response.status_code == 200, response.text
    return response.text


def test_a_rebound_handler_name_is_followed(httpd):
    """The handler is looked up in its module on each request: after it
    rebinds the name, the new function answers."""
    with requests.Session() as session:   # one connection: one child
        # every child that answers has run the first version at least once
        for _ in range(3):
            text(session, httpd, "/rebind/x")
        assert text(session, httpd, "/rebind/x?rebind") == "first"
        assert text(session, httpd, "/rebind/x") == "second"


def test_a_module_taken_out_of_sys_modules_is_imported_again(httpd):
    with requests.Session() as session:   # one connection: one child
        first = int(text(session, httpd, "/forget/x"))
        assert int(text(session, httpd, "/forget/x")) == first + 1
        assert int(text(session, httpd, "/forget/x?forget")) == first + 2
        # a cache that kept the module object would answer first + 3
        assert text(session, httpd, "/forget/x") == "1"


def test_the_handler_directory_is_put_back_on_sys_path(httpd):
    with requests.Session() as session:   # one connection: one child
        for _ in range(2):
            assert text(session, httpd, "/syspath/x") == "present"
        assert text(session, httpd, "/syspath/x?drop") == "present"
        assert text(session, httpd, "/syspath/x") == "present"


def test_a_handler_in_a_directory_whose_name_is_not_utf8(mpm):
    """The file a handler module is watched by (PythonAutoReload) may have
    a name that is not UTF-8: the short way stats the file system's bytes
    (it used to answer 500), and an edit is still picked up."""
    import os
    import time

    from harness import Httpd
    own = Httpd(mpm, "IncludeOptional {var}/latin.conf\n")
    try:
        directory = os.fsencode(own.htdocs) + b"/caf\xe9"
        os.mkdir(directory)
        module = directory + b"/latinmod.py"
        source = ("from mod_python import apache\n"
                  "def handler(req):\n"
                  "    req.content_type = 'text/plain'\n"
                  "    req.write(%r)\n"
                  "    return apache.OK\n")
        with open(module, "w") as handler:
            handler.write(source % "first")
        with open(os.path.join(os.fsencode(own.var), b"latin.conf"),
                  "wb") as conf:
            conf.write(b'<Directory "' + directory + b'">\n'
                       b"    SetHandler mod_python\n"
                       b"    PythonHandler latinmod\n"
                       b"</Directory>\n")
        own.start()
        with requests.Session() as session:
            url = own.url("/caf%E9/x")
            for _ in range(3):
                response = session.get(url, timeout=20)
                assert response.status_code == 200, response.text
                assert response.text == "first"
            with open(module, "w") as handler:
                handler.write(source % "second")
            stat = os.stat(module)
            os.utime(module, ns=(stat.st_atime_ns,
                                 stat.st_mtime_ns + 1_000_000_000))
            assert session.get(url, timeout=20).text == "second"
        own.stop()
    finally:
        own.cleanup()


def test_a_streamed_answer_ends_once_on_a_kept_alive_connection(httpd):
    """mod_python ends a streamed (chunked) answer itself when the handler
    returns, before httpd's own end of request: the last chunk is sent
    exactly once, a request body the handler left unread is still
    discarded, and the connection serves the next requests."""
    import socket

    body = b"9\r\npart one;\r\n8\r\npart two\r\n0\r\n\r\n"
    requests_ = [
        b"GET /stream/x HTTP/1.1\r\nHost: hotpath.test\r\n\r\n",
        b"POST /stream/x HTTP/1.1\r\nHost: hotpath.test\r\n"
        b"Content-Length: 11\r\n\r\nunread body",
        b"GET /stream/x HTTP/1.1\r\nHost: hotpath.test\r\n"
        b"Connection: close\r\n\r\n",
    ]
    received = b""
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) as sock:
        for number, request in enumerate(requests_, 1):
            sock.sendall(request)
            while received.count(body) < number:
                chunk = sock.recv(65536)
                assert chunk, received
                received += chunk
        sock.settimeout(5)
        rest = sock.recv(65536)         # the server closes: nothing more
        assert rest == b"", rest
    answers = received.split(b"HTTP/1.1 ")[1:]
    assert len(answers) == 3, received
    for answer in answers:
        assert answer.startswith(b"200 OK\r\n"), answer
        assert b"Transfer-Encoding: chunked\r\n" in answer
        assert answer.endswith(b"\r\n\r\n" + body), answer
        assert answer.count(b"0\r\n\r\n") == 1, answer
