from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("terms.api")),
    path("", include("terms.urls")),
]

handler404 = "terms.views.page_not_found"
handler500 = "terms.api_errors.server_error"
