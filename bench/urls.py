"""The site's URLs plus the bare view the benchmarks compare its pages with."""

from django.http import HttpResponse
from django.urls import include, path

from terms import page_cache


# Exempt: the baseline touches no database, not even the page cache's generation read.
@page_cache.exempt
def bare(request):
    """The least a Django view can do."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("glossary.urls"))]
