"""Test stand-in for the standard smtplib: SMTP.sendmail() appends the
message to <server tmp>/var/mailbox instead of talking to a server.

It is found before the real smtplib because the tutorial directory (where
PythonHandler is configured) is first on sys.path, in an interpreter of its
own (PythonInterpreter publisher_tutorial)."""

import json
import os

MAILBOX = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))), "var", "mailbox")


class SMTP:
    def __init__(self, host="", port=0):
        self.host = host

    def sendmail(self, from_addr, to_addrs, msg):
        with open(MAILBOX, "a") as mailbox:
            mailbox.write(json.dumps({"host": self.host, "from": from_addr,
                                      "to": to_addrs, "msg": msg}) + "\n")
        return {}

    def quit(self):
        pass
