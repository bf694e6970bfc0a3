"""The manager's reports (/reports/) and their CSV. The manager only."""

from django.urls import path

from reports import money_views, views

app_name = "reports"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("export.csv", views.reports_csv, name="csv"),
    path("money/", money_views.money, name="money"),
    path("money/export.csv", money_views.money_csv, name="money-csv"),
]
