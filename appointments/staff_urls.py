"""Staff pages: the reception desk (/desk/), the dermatologist's chart (/chart/) and the
manager's reports (/reports/). Each role's pages answer 403 to the other roles."""

from django.urls import include, path

from appointments.views import (
    chart,
    desk,
    desk_appointments,
    desk_course,
    desk_patients,
    desk_waitlist,
    records,
    reports,
)
from patients.chart import views as consultations

desk_patterns = [
    path("", desk.day, name="day"),
    path("week/", desk.week, name="week"),
    path("patients/", desk_patients.patients, name="patients"),
    path("patients/new/", desk_patients.register, name="register"),
    path("patients/<int:pk>/", desk_patients.patient, name="patient"),
    path("patients/<int:pk>/book/", desk_appointments.book, name="book"),
    path("patients/<int:pk>/course/", desk_course.course, name="course"),
    path("patients/<int:pk>/waitlist/", desk_patients.waitlist_add, name="waitlist-add"),
    path("appointments/<int:pk>/", desk_appointments.appointment, name="appointment"),
    path("appointments/<int:pk>/check-in/", desk_appointments.check_in, name="check-in"),
    path("appointments/<int:pk>/no-show/", desk_appointments.no_show, name="no-show"),
    path("appointments/<int:pk>/move/", desk_appointments.move, name="move"),
    path("appointments/<int:pk>/cancel/", desk_appointments.cancel, name="cancel"),
    path("waitlist/", desk_waitlist.waitlist, name="waitlist"),
    path("waitlist/offers/<int:pk>/accept/", desk_waitlist.offer_accept, name="offer-accept"),
]

chart_patterns = [
    path("", chart.today, name="today"),
    path("patients/", chart.patients, name="patients"),
    path("patients/<int:pk>/", chart.patient, name="patient"),
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

report_patterns = [
    path("", reports.reports, name="reports"),
    path("export.csv", reports.reports_csv, name="csv"),
]

urlpatterns = [
    path("desk/", include((desk_patterns, "desk"))),
    path("chart/", include((chart_patterns, "chart"))),
    path("reports/", include((report_patterns, "reports"))),
]
