"""ASGI entry point: `uvicorn glossary.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")

application = get_asgi_application()
