def version():
    return "version 1"
