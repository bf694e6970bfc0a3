"""The dermatologist's chart (/chart/): the day's patients, each patient's chart,
consultations and session records. Dermatologists only; other roles get 403."""

from django.urls import path

from chart.views import consultations, day, feed, records

app_name = "chart"
urlpatterns = [
    path("", day.today, name="today"),
    path("calendar-feed/", feed.calendar_feed, name="calendar-feed"),
    path("patients/", day.patients, name="patients"),
    path("patients/<int:pk>/", day.patient, name="patient"),
    path(
        "patients/<int:pk>/consultations/new/",
        consultations.consultation_new,
        name="consultation-new",
    ),
    path("consultations/<int:pk>/", consultations.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/edit/", consultations.consultation_edit, name="consultation-edit"),
    path("consultations/<int:pk>/sign/", consultations.consultation_sign, name="consultation-sign"),
    path(
        "consultations/<int:pk>/amend/",
        consultations.consultation_amend,
        name="consultation-amend",
    ),
    path("appointments/<int:pk>/record/", records.record_new, name="record-new"),
    path("records/<int:pk>/", records.record_detail, name="record"),
    path("records/<int:pk>/edit/", records.record_edit, name="record-edit"),
    path("records/<int:pk>/sign/", records.record_sign, name="record-sign"),
    path("records/<int:pk>/amend/", records.record_amend, name="record-amend"),
]
