# Flask hello page: row "flask" (PythonHandler mod_python.wsgi) and row
# "mod_wsgi-flask" (WSGIScriptAlias) run this same file.
from flask import Flask

app = Flask(__name__)
application = app      # the name mod_wsgi looks for


@app.route("/")
def hello():
    return "Hello!"
