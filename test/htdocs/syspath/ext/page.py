# never run: the handler of this directory is extmod
