"""WSGI entry point: `gunicorn glossary.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")

application = get_wsgi_application()
