"""The site's URLs plus the bare view the benchmarks compare its pages with."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The least a Django view can do."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("glossary.urls"))]
