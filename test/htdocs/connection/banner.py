"""A connection handler that answers every connection with a fixed
HTTP/1.0 response naming itself (test_connection: inheritance)."""

from mod_python import apache


def connectionhandler(conn):
    conn.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
               b"banner connection handler\n")
    return apache.OK
