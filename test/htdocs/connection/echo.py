# The manual's echo server (section 4.4), in Python 3.
from mod_python import apache

def connectionhandler(conn):
    while 1:
        conn.write(conn.readline())
    return apache.OK
