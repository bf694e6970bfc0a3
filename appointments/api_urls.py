from django.urls import path

from appointments.api import courses, views, waitlist

urlpatterns = [
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("practitioners/", views.PractitionerList.as_view(), name="practitioner-list"),
    path("appointments/", views.AppointmentListCreate.as_view(), name="appointment-list"),
    path(
        "appointments/<int:appointment_id>/",
        views.AppointmentDetail.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        views.AppointmentReschedule.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/check-in/",
        views.AppointmentCheckIn.as_view(),
        name="appointment-check-in",
    ),
    path(
        "appointments/<int:appointment_id>/no-show/",
        views.AppointmentNoShow.as_view(),
        name="appointment-no-show",
    ),
    path(
        "appointments/<int:appointment_id>/no-show/undo/",
        views.AppointmentNoShowUndo.as_view(),
        name="appointment-no-show-undo",
    ),
    path("cancel-reasons/", views.CancelReasonList.as_view(), name="cancel-reason-list"),
    path("courses/plan/", courses.CoursePlanView.as_view(), name="course-plan"),
    path("courses/", courses.CourseCreate.as_view(), name="course-list"),
    path("courses/<int:course_id>/", courses.CourseDetail.as_view(), name="course-detail"),
    path("courses/<int:course_id>/reflow/", courses.CourseReflow.as_view(), name="course-reflow"),
    path(
        "courses/<int:course_id>/reflow/accept/",
        courses.CourseReflowAccept.as_view(),
        name="course-reflow-accept",
    ),
    path("waitlist/", waitlist.WaitlistView.as_view(), name="waitlist"),
    path(
        "waitlist/offers/<int:offer_id>/accept/",
        waitlist.OfferAccept.as_view(),
        name="waitlist-offer-accept",
    ),
]
