"""A connection handler that declines: Apache's HTTP protocol takes the
connection (3.5 returns the handler's status to Apache)."""

from mod_python import apache


def connectionhandler(conn):
    conn.log_error("declining: HTTP takes this connection", apache.APLOG_INFO)
    return apache.DECLINED
