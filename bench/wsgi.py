"""The WSGI app `bench_pages` serves: the site plus a bare view to compare its pages with.

The bare view goes through the same middleware and server, so the difference between the
two is what the glossary's pages cost. It exists only here, never in the site's URLconf.
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")


class BenchHandler(WSGIHandler):
    """Django's WSGI handler, resolving every request against `bench.urls`."""

    def get_response(self, request):
        # Django's per-request URLconf hook: the site's settings stay as they are.
        request.urlconf = "bench.urls"
        return super().get_response(request)


django.setup(set_prefix=False)
application = BenchHandler()
