from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic import errors, token_api, views

api_patterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("auth/token/", token_api.TokenLoginView.as_view(), name="token"),
    path("auth/logout/", token_api.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", token_api.LogoutAllView.as_view(), name="logout-all"),
    path("", include("treatments.api_urls")),
    path("", include("patients.api_urls")),
    path("", include("appointments.api_urls")),
    path("", include("chart.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("billing.api_urls")),
    # Anything else under /api/ is a JSON 404 in the shared error shape, DEBUG or not.
    re_path(r"^.*$", errors.api_not_found, name="not-found"),
]

# The admin logs in through allauth, so the second factor applies there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("messages/", include("messaging.urls")),  # outbox: links, staff list
    path("accounts/", include("allauth.urls")),
    path("me/billing/", include("billing.urls")),  # a patient's invoices and packages
    path("me/", include("patients.urls")),
    path("photos/", include("patients.photo_urls")),  # private photos, audited
    path("consents/", include("patients.consent_urls")),  # signed consent PDFs, audited
    path("desk/", include("desk.urls")),  # reception
    path("chart/", include("chart.urls")),  # dermatologists
    path("reports/", include("reports.urls")),  # the manager
    path("manager/", include("manager.urls")),  # the manager's clinic settings
    path("", include("appointments.urls")),
    path("", include("treatments.urls")),
]

handler400 = "clinic.errors.handler400"
handler403 = "clinic.errors.handler403"
handler404 = "clinic.errors.handler404"
handler500 = "clinic.errors.handler500"
