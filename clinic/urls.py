from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clinic import errors, views

api_patterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("treatments.api_urls")),
    path("", include("patients.api_urls")),
    path("", include("appointments.api_urls")),
    # Anything else under /api/ is a JSON 404 in the shared error shape, DEBUG or not.
    re_path(r"^.*$", lambda request, *a, **kw: errors.handler404(request), name="not-found"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("treatments.urls")),
]

handler400 = "clinic.errors.handler400"
handler403 = "clinic.errors.handler403"
handler404 = "clinic.errors.handler404"
handler500 = "clinic.errors.handler500"
