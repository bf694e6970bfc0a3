from django.urls import path

from chart import api

urlpatterns = [
    path(
        "appointments/<int:appointment_id>/session-record/",
        api.AppointmentRecord.as_view(),
        name="session-record",
    ),
    path(
        "session-records/<int:record_id>/sign/",
        api.RecordSign.as_view(),
        name="session-record-sign",
    ),
    path(
        "session-records/<int:record_id>/amendments/",
        api.RecordAmend.as_view(),
        name="session-record-amend",
    ),
]
