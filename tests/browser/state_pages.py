"""The staff pages that show a record in a particular state (a draft and a signed record,
a checked-in session, an open and a paid invoice, a closure over booked sessions...), with
the data that puts each record in its state, for the axe-core check of every staff page.

Built on the demo clinic and main_pages' day: Anna (patient1) is booked at 10:30 on
`today`, the clock stands at 10:05. Bohdan, a second patient, has a consent on file,
a package, a course of past sessions (recorded, checked out, paid) and photos. Every date
comes from the relative day helpers, so no page depends on the day the tests run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model

from appointments.models import Appointment, CancelReason, Device, Practitioner, Room, Status
from appointments.services import appointment_book
from appointments.services.closures import ClosureInput, closure_save
from billing.models import PackagePlan
from billing.services.checkout import checkout
from billing.services.packages import package_sell
from chart.services import session_record_create
from clinic.audit import Actor
from patients.models import Patient, PhotoPurpose
from patients.services.photos import photo_consent_set, photo_upload
from tests.browser import state_steps as steps
from tests.browser.main_pages import FACE, at, working_day_after
from tests.browser.state_steps import Step
from tests.factories import consult, patient, screen
from tests.messaging.form_helpers import due_form
from tests.patients.photo_helpers import photo_bytes, upload_of
from treatments.models import Treatment


@dataclass(frozen=True)
class StatePages:
    reception: list[tuple[str, str]]
    dermatologist: list[tuple[str, str]]
    manager: list[tuple[str, str]]
    after_a_step: dict[str, list[tuple[str, str, Step]]] = field(default_factory=dict)


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _actor(username: str) -> Actor:
    return Actor(user=_user(username))


def _book(p: Patient, start: datetime, who: str = "dermatologist") -> Appointment:
    return appointment_book(
        actor=_actor("reception"),
        patient=p,
        treatment=Treatment.objects.get(slug=FACE),
        start=start,
        practitioner_id=Practitioner.objects.get(user__username=who).pk,
        channel="desk",
    )


def _held(a: Appointment, start: datetime, status: str = Status.CHECKED_IN) -> Appointment:
    """A session booked ahead, moved back to `start` as one that took place (the
    booking service refuses past times; the desk checked the patient in on the day)."""
    Appointment.objects.filter(pk=a.pk).update(
        start=start,
        end=start + (a.end - a.start),
        blocked_until=start + (a.blocked_until - a.start),
        status=status,
    )
    a.refresh_from_db()
    return a


def _recorded(a: Appointment, *, sign: bool, tone: int):
    return session_record_create(
        actor=_actor("dermatologist"),
        appointment=a,
        sign=sign,
        current_ua=400,
        frequency_hz="10",
        waveform="sine",
        areas=["face"],
        duration_minutes=40,
        tone_clinician=tone,
    )


def _bohdan() -> Patient:
    bohdan = patient(
        with_login=False,
        first_name="Bohdan",
        last_name="Savchuk",
        email="bohdan.savchuk@example.com",
        phone="+380501230077",
    )
    screen(bohdan)
    consult(bohdan, dermatologist=_user("dermatologist"), plans={FACE: 10})
    return bohdan


@dataclass
class Visits:
    """Bohdan's sessions, one per state the pages show."""

    booked_today: Appointment  # 10:30 today, not here yet: check-in with a consent on file
    checked_in: Appointment  # 09:00 today, no record yet
    draft: Appointment  # two days ago, a draft record
    signed: Appointment  # a week ago, a signed record, not checked out (the package pays)
    unpaid: Appointment  # two weeks ago, checked out without payment
    paid: Appointment  # three weeks ago, checked out and paid in cash


def _visits(bohdan: Patient, today: date) -> Visits:
    ahead = [at(working_day_after(today, 3 + i), 9 + i) for i in range(5)]
    past = [_book(bohdan, start) for start in ahead]
    days_ago = (timedelta(0), timedelta(days=2), timedelta(days=7), timedelta(days=14))
    return Visits(
        booked_today=_book(bohdan, at(today, 10, 30), who="cosmetologist"),
        checked_in=_held(past[0], at(today, 9)),
        draft=_held(past[1], at(today - days_ago[1], 11)),
        signed=_held(past[2], at(today - days_ago[2], 11)),
        unpaid=_held(past[3], at(today - days_ago[3], 11)),
        paid=_held(past[4], at(today - timedelta(days=21), 11)),
    )


def _money(bohdan: Patient, v: Visits):
    """An open and a paid invoice (the paid one's payment can be refunded and credited),
    then a package: the sessions completed after it (the signed one) are prepaid by it."""
    unpaid = checkout(actor=_actor("reception"), appointment_id=v.unpaid.pk, email_receipt=False)
    paid = checkout(
        actor=_actor("reception"), appointment_id=v.paid.pk, method="cash", email_receipt=False
    )
    plan = PackagePlan.objects.create(
        name="Microcurrent face, 10 sessions", sessions=10, price=Decimal("13500.00")
    )
    plan.treatments.set([Treatment.objects.get(slug=FACE)])
    package_sell(actor=_actor("reception"), patient_id=bohdan.pk, plan=plan)
    return unpaid.invoice, paid.invoice, paid.payment


def _photos(bohdan: Patient, v: Visits) -> None:
    photo_consent_set(actor=_actor("reception"), patient=bohdan, purposes={PhotoPurpose.CLINICAL})
    for a in (v.paid, v.signed):
        data = photo_bytes((120, 90))
        photo_upload(
            actor=_actor("dermatologist"),
            patient=bohdan,
            appointment_id=a.pk,
            pose="front",
            upload=upload_of(data),
            size=len(data),
        )


def _stranded_closure(bohdan: Patient, today: date) -> date:
    """A closed day with Bohdan's session on it: the desk's closed-days page lists it."""
    closed = working_day_after(today, 20)
    _book(bohdan, at(closed, 12))
    closure_save(
        actor=_actor("manager"),
        data=ClosureInput(closed, closed, "Staff training"),
        close_anyway=True,
    )
    return closed


def _course_query(anna: Patient, today: date) -> str:
    """Three sessions a week where her plan says two, from the day she already has a face
    session: the wizard's review step shows both warnings."""
    plan = anna.consultations.filter(status="signed").first().plans.get()
    query = {
        "plan": plan.pk,
        "sessions": 8,
        "weekdays": ["0", "2", "4"],
        "time": "15:00",
        "start_date": working_day_after(today, 2).isoformat(),
        "practitioner": "",
    }
    return urlencode(query, doseq=True)


def state_pages(today: date) -> StatePages:
    """Run after main_pages(today) (Anna's bookings): the records and their pages."""
    anna = Patient.objects.get(user__username="patient1")
    anna_visit = anna.appointments.get(start=at(today, 10, 30))
    bohdan = _bohdan()
    v = _visits(bohdan, today)
    unpaid, paid, payment = _money(bohdan, v)
    draft = _recorded(v.draft, sign=False, tone=5)
    signed = _recorded(v.signed, sign=True, tone=6)
    _photos(bohdan, v)
    closed = _stranded_closure(bohdan, today)
    due_form("before-microcurrent")
    draft_consultation = consult(bohdan, dermatologist=_user("dermatologist"), sign=False)
    signed_consultation = anna.consultations.filter(status="signed").first()
    photos = bohdan.photos.order_by("pk")
    b, face = bohdan.pk, Treatment.objects.get(slug=FACE).pk
    practitioner = Practitioner.objects.get(user__username="dermatologist").pk
    compare = urlencode({"pose": "front", "before": photos[0].pk, "after": photos[1].pk})
    return StatePages(
        reception=[
            ("patient-with-everything", f"/desk/patients/{b}/"),
            ("check-in-with-consent", f"/desk/appointments/{v.booked_today.pk}/check-in/"),
            ("check-in-without-consent", f"/desk/appointments/{anna_visit.pk}/check-in/"),
            ("appointment-checked-in", f"/desk/appointments/{v.checked_in.pk}/"),
            ("appointment-completed", f"/desk/appointments/{v.signed.pk}/"),
            *_missed_and_cancelled(today),
            ("no-show-confirmation", f"/desk/appointments/{v.booked_today.pk}/no-show/"),
            ("cancel", f"/desk/appointments/{v.booked_today.pk}/cancel/"),
            ("move-dialog", f"/desk/appointments/{v.booked_today.pk}/move/?day={today}"),
            ("book-with-times", f"/desk/patients/{b}/book/?day={today}&treatment={face}"),
            (
                "course-with-warnings",
                f"/desk/patients/{anna.pk}/course/?{_course_query(anna, today)}",
            ),
            ("closed-days-with-sessions", "/desk/closed-days/"),
            ("desk-day-closed", f"/desk/?day={closed}"),
            ("desk-week-closed", f"/desk/week/?day={closed}"),
            ("patient-new", f"/desk/patients/{_new_patient()}/"),
            ("course-plan-step", f"/desk/patients/{b}/course/"),
            ("patient-search-nobody", "/desk/patients/?q=Nobody"),
            ("messages-sent", "/messages/"),
            ("waitlist-with-an-offer", "/desk/waitlist/"),
            ("checkout-with-a-package", f"/desk/appointments/{v.signed.pk}/checkout/"),
            ("invoice-open", f"/desk/invoices/{unpaid.pk}/"),
            ("invoice-paid", f"/desk/invoices/{paid.pk}/"),
            ("refund", f"/desk/payments/{payment.pk}/refund/"),
            ("credit-note", f"/desk/invoices/{paid.pk}/credit-note/"),
            ("ledger", f"/desk/patients/{b}/money/"),
            ("package-sale", f"/desk/patients/{b}/packages/sell/"),
            ("desk-photos-with-photos", f"/desk/patients/{b}/photos/?{compare}"),
            ("desk-consent-sign", f"/desk/patients/{b}/consent/"),
        ],
        dermatologist=[
            ("chart-day-with-sessions", f"/chart/?day={today}"),
            ("chart-patient-with-due-forms", f"/chart/patients/{b}/"),
            ("consultation-draft", f"/chart/consultations/{draft_consultation.pk}/"),
            ("consultation-edit", f"/chart/consultations/{draft_consultation.pk}/edit/"),
            ("consultation-amend", f"/chart/consultations/{signed_consultation.pk}/amend/"),
            ("record-new", f"/chart/appointments/{v.checked_in.pk}/record/"),
            ("record-draft", f"/chart/records/{draft.pk}/"),
            ("record-edit", f"/chart/records/{draft.pk}/edit/"),
            ("record-signed", f"/chart/records/{signed.pk}/"),
            ("record-amend", f"/chart/records/{signed.pk}/amend/"),
            ("photos-compare", f"/chart/patients/{b}/photos/?{compare}"),
            ("calendar-feed", "/chart/calendar-feed/"),
            ("chart-patient-new", f"/chart/patients/{_new_patient()}/"),
            ("chart-search-nobody", "/chart/patients/?q=Nobody"),
        ],
        manager=[
            ("reports-with-data", "/reports/"),
            ("money-report-with-data", "/reports/money/"),
            ("closures-with-one", "/manager/closures/"),
            ("closure-edit", f"/manager/closures/{_closure_on(closed)}/"),
            ("practitioner-edit", f"/manager/practitioners/{practitioner}/"),
            ("practitioner-hours", f"/manager/practitioners/{practitioner}/hours/"),
            ("time-off-new", f"/manager/practitioners/{practitioner}/time-off/new/"),
            ("room-edit", f"/manager/rooms/{Room.objects.order_by('pk').first().pk}/"),
            ("device-edit", f"/manager/devices/{Device.objects.order_by('pk').first().pk}/"),
            (
                "outage-new",
                f"/manager/devices/{Device.objects.order_by('pk').first().pk}/outages/new/",
            ),
            ("cancel-reason-edit", f"/manager/cancel-reasons/{CancelReason.objects.first().pk}/"),
            ("deposit-edit", f"/manager/prices/{face}/deposit/"),
        ],
        after_a_step=_after_a_step(today, anna, v, b),
    )


def _after_a_step(today: date, anna: Patient, v: Visits, b: int) -> dict[str, list]:
    """Pages as a form sent from them leaves them: errors beside the fields, the booked
    sessions a closure or shorter hours would strand, an issued feed address."""
    a = v.booked_today.pk
    return {
        "reception": [
            ("register-with-errors", "/desk/patients/new/", steps.sent_empty("Register")),
            (
                "desk-photo-with-errors",
                f"/desk/patients/{b}/photos/",
                steps.sent_empty("Save the photo"),
            ),
            (
                "course-warnings-not-confirmed",
                f"/desk/patients/{anna.pk}/course/?{_course_query(anna, today)}",
                steps.sent_empty("Book all sessions"),
            ),
            (
                "cancel-with-errors",
                f"/desk/appointments/{a}/cancel/",
                steps.sent_empty("Cancel the appointment"),
            ),
            (
                "waitlist-add-with-errors",
                f"/desk/patients/{b}/waitlist/",
                steps.sent_empty("Add to the waitlist"),
            ),
            (
                "refund-with-errors",
                f"/desk/payments/{_payment_of(b)}/refund/",
                steps.sent_empty("Refund"),
            ),
            (
                "credit-note-with-errors",
                f"/desk/invoices/{_paid_invoice_of(b)}/credit-note/",
                steps.sent_empty("Issue the credit note"),
            ),
        ],
        "dermatologist": [
            ("calendar-feed-issued", "/chart/calendar-feed/", steps.issue_feed),
            (
                "chart-photo-with-errors",
                f"/chart/patients/{b}/photos/",
                steps.sent_empty("Save the photo"),
            ),
            (
                "consultation-rest-absent",
                f"/chart/patients/{b}/consultations/new/",
                steps.rest_absent,
            ),
            (
                "consultation-with-errors",
                f"/chart/patients/{b}/consultations/new/",
                steps.sent_empty("Save as draft"),
            ),
            (
                "record-with-errors",
                f"/chart/appointments/{v.checked_in.pk}/record/",
                steps.sent_empty("Save as draft"),
            ),
        ],
        "manager": [
            (
                "closure-listing-sessions-to-move",
                "/manager/closures/new/",
                steps.closure_over_sessions(working_day_after(today, 2)),
            ),
            (
                "hours-listing-sessions-to-move",
                "/manager/hours/",
                steps.hours_over_a_session(today),
            ),
            ("closure-with-errors", "/manager/closures/new/", steps.sent_empty("Save")),
            ("room-with-errors", "/manager/rooms/new/", steps.sent_empty("Save")),
            ("device-with-errors", "/manager/devices/new/", steps.sent_empty("Save")),
            ("practitioner-with-errors", "/manager/practitioners/new/", steps.sent_empty("Save")),
            ("cancel-reason-with-errors", "/manager/cancel-reasons/new/", steps.sent_empty("Save")),
            ("policy-with-errors", "/manager/policy/", steps.sent_empty("Save")),
            ("reports-with-a-wrong-range", "/reports/?start=2026-02-30&end=", steps.shows_errors),
            ("money-report-with-a-wrong-range", "/reports/money/?start=x&end=", steps.shows_errors),
        ],
    }


def _payment_of(patient_id: int) -> int:
    from billing.models import Payment

    return Payment.objects.filter(patient_id=patient_id).order_by("pk").first().pk


def _paid_invoice_of(patient_id: int) -> int:
    from billing.models import Payment

    return Payment.objects.filter(patient_id=patient_id).order_by("pk").first().invoice_id


def _missed_and_cancelled(today: date) -> list[tuple[str, str]]:
    """Oksana's consultation this morning she missed (undo offered), and one cancelled."""
    from appointments.services import appointment_cancel

    oksana = Patient.objects.get(pk=_new_patient())
    consultation = Treatment.objects.get(slug="initial-consultation")
    booked = [
        appointment_book(
            actor=_actor("reception"),
            patient=oksana,
            treatment=consultation,
            start=at(working_day_after(today, 4 + i), 16),
            practitioner_id=Practitioner.objects.get(user__username="cosmetologist").pk,
            channel="desk",
        )
        for i in range(2)
    ]
    missed = _held(booked[0], at(today, 9), Status.NO_SHOW)
    cancelled = appointment_cancel(actor=_actor("reception"), appointment=booked[1], reason="Ill")
    return [
        ("appointment-no-show", f"/desk/appointments/{missed.pk}/"),
        ("appointment-cancelled", f"/desk/appointments/{cancelled.pk}/"),
    ]


def _new_patient() -> int:
    """Oksana (patient2): no consultation, no consent, nothing booked."""
    return Patient.objects.get(user__username="patient2").pk


def _closure_on(day: date) -> int:
    from appointments.models import Closure

    return Closure.objects.get(start_date=day).pk


def resolved_names(paths: list[str]) -> set[str]:
    """The URL names (namespace:name) of the pages behind `paths`."""
    from django.urls import resolve

    return {resolve(path.split("?")[0]).view_name for path in paths}
