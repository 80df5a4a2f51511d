"""A Django application (Debian's python3-django) in one module, for
test_wsgi.py: settings, URLs and views."""

import hashlib

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import (HttpResponse, HttpResponseRedirect,  # noqa: E402
                         JsonResponse, StreamingHttpResponse, Http404)
from django.urls import path, reverse  # noqa: E402
import json  # noqa: E402


def index(request):
    return HttpResponse("Hello from Django")


def user(request, name, number):
    return JsonResponse({"name": name, "number": number,
                         "args": request.GET.dict(),
                         "script_name": request.META["SCRIPT_NAME"],
                         "path": request.path,
                         "path_info": request.path_info})


def form(request):
    return JsonResponse({"form": dict(request.POST.lists())})


def json_echo(request):
    data = json.loads(request.body)
    return JsonResponse({"received": data,
                         "doubled": [2 * n for n in data["numbers"]]})


def go(request):
    return HttpResponseRedirect(reverse("user", args=["redirected", 7]))


def cookie_set(request):
    response = HttpResponse("cookie set")
    response.set_cookie("flavour", "oatmeal")
    response.set_cookie("size", "large")
    return response


def cookie_get(request):
    return JsonResponse(request.COOKIES)


def upload(request):
    upload = request.FILES["file"]
    data = upload.read()
    return JsonResponse({"filename": upload.name, "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest(),
                         "note": request.POST.get("note")})


def stream(request):
    return StreamingHttpResponse(("line %d\n" % index for index in range(5)),
                                 content_type="text/plain")


def missing(request):
    raise Http404("nothing here")


def boom(request):
    raise RuntimeError("django failure marker")


urlpatterns = [
    path("", index),
    path("user/<str:name>/<int:number>", user, name="user"),
    path("form", form),
    path("json", json_echo),
    path("go", go),
    path("cookie/set", cookie_set),
    path("cookie/get", cookie_get),
    path("upload", upload),
    path("stream", stream),
    path("missing", missing),
    path("boom", boom),
]

application = WSGIHandler()
