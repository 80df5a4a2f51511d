"""Imports the handler module by its plain name, as helpers of 3.x
applications do to share its state."""


def peer():
    import sharedmain
    return sharedmain
