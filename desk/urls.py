"""The reception desk (/desk/): day and week grids, patients, booking on behalf, the
course wizard, check-in, no-show, moves, cancels and the waitlist. Reception and the
manager only; other roles get 403."""

from django.urls import path

from desk.views import (
    appointments,
    checkout,
    closures,
    consent,
    course,
    day,
    drop,
    money,
    patients,
    photos,
    waitlist,
)

app_name = "desk"
urlpatterns = [
    path("", day.day, name="day"),
    path("week/", day.week, name="week"),
    path("patients/", patients.patients, name="patients"),
    path("patients/new/", patients.register, name="register"),
    path("patients/<int:pk>/", patients.patient, name="patient"),
    path("patients/<int:pk>/book/", appointments.book, name="book"),
    path("patients/<int:pk>/course/", course.course, name="course"),
    path("patients/<int:pk>/waitlist/", patients.waitlist_add, name="waitlist-add"),
    path("patients/<int:pk>/photos/", photos.photos, name="photos"),
    path("patients/<int:pk>/consent/", consent.consent_sign, name="consent-sign"),
    path("patients/<int:pk>/photo-consent/", photos.photo_consent, name="photo-consent"),
    path("appointments/<int:pk>/", appointments.appointment, name="appointment"),
    path("appointments/<int:pk>/check-in/", appointments.check_in, name="check-in"),
    path("appointments/<int:pk>/no-show/", appointments.no_show, name="no-show"),
    path("appointments/<int:pk>/no-show/undo/", appointments.no_show_undo, name="no-show-undo"),
    path("appointments/<int:pk>/move/", appointments.move, name="move"),
    path("appointments/<int:pk>/drop/", drop.drop, name="drop"),
    path("appointments/<int:pk>/cancel/", appointments.cancel, name="cancel"),
    path("appointments/<int:pk>/checkout/", checkout.checkout, name="checkout"),
    path("invoices/<int:pk>/", checkout.invoice, name="invoice"),
    path("invoices/<int:pk>/receipt.pdf", checkout.receipt, name="receipt"),
    path("patients/<int:pk>/money/", money.patient_money, name="money"),
    path("patients/<int:pk>/packages/sell/", money.package_sell, name="package-sell"),
    path("payments/<int:pk>/refund/", money.refund, name="refund"),
    path("invoices/<int:pk>/credit-note/", money.credit_note, name="credit-note"),
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("closed-days/", closures.closed_days, name="closed-days"),
    path("waitlist/offers/<int:pk>/accept/", waitlist.offer_accept, name="offer-accept"),
]
