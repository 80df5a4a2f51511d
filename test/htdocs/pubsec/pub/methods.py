import logging


class Form:
    def show(self, req, **fields):
        return "fields %s" % sorted(fields)


form = Form()
log = logging.getLogger("pubsec")
