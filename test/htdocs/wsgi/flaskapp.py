"""A Flask application (Debian's python3-flask) for test_wsgi.py."""

import hashlib

from flask import (Flask, Response, abort, jsonify, make_response, redirect,
                   request, stream_with_context, url_for)

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from Flask"


@app.route("/user/<name>/<int:number>")
def user(name, number):
    return jsonify(name=name, number=number, args=request.args.to_dict(),
                   script_root=request.script_root,
                   path=request.script_root + request.path)


@app.route("/form", methods=["POST"])
def form():
    return jsonify(form=request.form.to_dict(flat=False))


@app.route("/json", methods=["POST"])
def json_echo():
    data = request.get_json()
    return jsonify(received=data, doubled=[2 * n for n in data["numbers"]])


@app.route("/go")
def go():
    return redirect(url_for("user", name="redirected", number=7))


@app.route("/cookie/set")
def cookie_set():
    response = make_response("cookie set")
    response.set_cookie("flavour", "oatmeal")
    response.set_cookie("size", "large")
    return response


@app.route("/cookie/get")
def cookie_get():
    return jsonify(request.cookies.to_dict())


@app.route("/upload", methods=["POST"])
def upload():
    upload = request.files["file"]
    data = upload.read()
    return jsonify(filename=upload.filename, size=len(data),
                   sha256=hashlib.sha256(data).hexdigest(),
                   note=request.form.get("note"))


@app.route("/stream")
def stream():
    def lines():
        for index in range(5):
            yield "line %d\n" % index
    return Response(stream_with_context(lines()), mimetype="text/plain")


@app.route("/missing")
def missing():
    abort(404)


@app.route("/boom")
def boom():
    raise RuntimeError("flask failure marker")
