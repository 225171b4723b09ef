"""The WSGI app `bench_pages` serves: the site plus a bare view to compare the pages with.

The bare view goes through the same middleware and server, so the difference between the
two is what the glossary's pages cost. It exists only here, never in the site's URLconf.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

application = get_wsgi_application()


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("glossary.urls"))]
settings.ROOT_URLCONF = __name__
