import no_such_module_for_mod_python_tests  # noqa: F401


def handler(req):
    return 0
