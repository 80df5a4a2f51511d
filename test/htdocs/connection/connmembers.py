from mod_python import apache


def connectionhandler(conn):
    """Answers one line with facts about the connection, then echoes
    fixed-size reads until the client closes."""
    conn.readline()
    conn.write("remote_ip=%s local_port=%d base=%s\n" % (
        conn.remote_ip, conn.local_addr[1], conn.base_server.server_hostname))
    data = conn.read(5)
    conn.write(b"five:" + data + b"\n")
    rest = conn.read(-1)
    conn.write(b"rest:%d\n" % len(rest))
    return apache.OK
