# Bench rows "session-<store>": load the session, count, save -- every
# request.  Each keep-alive connection of the load generator is one
# browser: the handler remembers the session id it got on the
# connection's first request (ab sends no cookies back), so every later
# request loads an existing session, as on a real site, and connections
# never contend for one session's lock.
from mod_python import apache, Session

_session_of_connection = {}


def handler(req):
    port = req.connection.remote_addr[1]
    session = Session.Session(req, sid=_session_of_connection.get(port))
    _session_of_connection[port] = session.id()
    session["hits"] = session.get("hits", 0) + 1
    session.save()
    req.content_type = "text/plain"
    req.write(b"Hello!", 0)
    return apache.OK
