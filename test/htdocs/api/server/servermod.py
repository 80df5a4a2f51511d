"""Handlers for test_api_server.py: the server object's methods."""

import os

import apitest
from mod_python import apache

VAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "..", "var")


def handler(req):
    return apitest.dispatch(req, globals())


def at_exit(path):
    with open(path, "a") as out:
        out.write("child %d exited\n" % os.getpid())


def failing_at_exit(data):
    raise RuntimeError("exit callback failure %s" % data)


def t_register(req):
    name = req.args
    req.server.register_cleanup(req, failing_at_exit, name)
    req.server.register_cleanup(req, at_exit, os.path.join(VAR, name))
    return {"pid": os.getpid(),
            "not_request": apitest.attempt(req.server.register_cleanup,
                                           "req", at_exit),
            "not_callable": apitest.attempt(req.server.register_cleanup,
                                            req, 42)}


def t_methods(req):
    server = req.server
    main = req.connection.base_server
    servers, walker = [], server
    while walker is not None:
        servers.append(walker.server_hostname)
        walker = walker.next
    return {
        "equal": server == req.server,
        "hash_equal": hash(server) == hash(req.server),
        "not_equal_base": server != main,
        "repr": repr(server),
        "config": dict(server.get_config()),
        "options": dict(server.get_options()),
        "main_config": dict(main.get_config()),
        "servers": servers,
        "as_dict_key": {server: 1}[req.server],
    }
