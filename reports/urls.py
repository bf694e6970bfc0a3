"""The manager's reports (/reports/) and their CSV. The manager only."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("export.csv", views.reports_csv, name="csv"),
]
