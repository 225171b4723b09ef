from django.contrib import admin
from django.urls import include, path

from terms import probes

urlpatterns = [
    # Probes at the root, where orchestrators look; /api/v1/health/ serves them too.
    path("healthz", probes.live, name="healthz"),
    path("readyz", probes.ready, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("terms.api")),
    path("", include("terms.urls")),
]

handler400 = "terms.api_errors.bad_request"
handler404 = "terms.views.page_not_found"
handler500 = "glossary.middleware.server_error"
