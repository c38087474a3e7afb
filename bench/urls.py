"""The site's URLs plus a bare view: the floor every page's time is compared with (bench/measure.py)."""

from django.http import HttpResponse
from django.urls import path

from actionplan.urls import urlpatterns as site


def bare(request):
    """Nothing but the middleware stack: session, authentication, CSRF, CSP, axes, messages."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare, name="bench_bare"), *site]
