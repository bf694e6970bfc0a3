"""The course wizard sells the course's package in the same step: both happen in one
transaction, or neither (a clash in any session, an inactive plan)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.models import Appointment, Course
from appointments.services.courses import SessionChoice
from billing.models import Invoice, LedgerEntry, Package, PackagePlan
from billing.services.packages import course_book_with_package
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, local
from tests.desk.helpers import book
from tests.desk.test_course_wizard import choices_from, cleared_patient, next_monday, review_url
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]


def face_plan(clinic, *, active: bool = True, treatment=None) -> PackagePlan:
    plan = PackagePlan.objects.create(
        name="Face x10", sessions=10, price="9000.00", valid_days=180, active=active
    )
    plan.treatments.set([treatment or clinic.face])
    return plan


def test_the_review_offers_only_packages_of_the_course_treatment(clinic, reception):
    face_plan(clinic)
    other = face_plan(clinic, treatment=clinic.consultation)
    other.name = "Consultations x10"
    other.save()
    page = reception.get(review_url(cleared_patient())).text
    assert "Sell a package with the course" in page
    assert "Face x10" in page and "Consultations x10" not in page


def test_booking_the_course_sells_its_package_in_the_same_step(clinic, reception):
    plan = face_plan(clinic)
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).text, 10)
    response = reception.post(url, {**data, "package": plan.pk})
    assert response.status_code == 302
    assert Course.objects.get(patient=p).appointments.count() == 10
    package = Package.objects.get(patient=p)
    assert package.sessions_total == 10 and package.invoice.total.amount == 9000
    assert LedgerEntry.objects.filter(patient_id=p.pk).count() == 1


def test_a_clash_books_nothing_and_sells_nothing(clinic, reception):
    plan = face_plan(clinic)
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).text, 10)
    thursday = next_monday() + timedelta(days=3)
    for doctor in clinic.practitioners:  # both practitioners taken at 10:00 meanwhile
        book(cleared_patient(), clinic.consultation, local(thursday, 10), practitioner_id=doctor.pk)
    response = reception.post(url, {**data, "package": plan.pk})
    assert response.status_code == 409
    assert not Course.objects.filter(patient=p).exists()
    assert not Appointment.objects.filter(patient=p).exists()
    assert not Package.objects.filter(patient=p).exists()
    assert not Invoice.objects.filter(patient=p).exists()


def test_a_plan_not_on_offer_is_an_error_beside_the_package_and_nothing_is_booked(
    clinic, reception
):
    plan = face_plan(clinic, active=False)
    face_plan(clinic)  # so the field is shown
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).text, 10)
    response = reception.post(url, {**data, "package": plan.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    assert not Course.objects.filter(patient=p).exists()
    assert not Package.objects.exists()


def test_the_package_is_sold_after_the_course_is_booked_and_undoes_it(clinic):
    """The service books the course first and then sells: a plan that no longer sells
    (withdrawn between the page and the click) takes the booked sessions back with it."""
    plan = face_plan(clinic, active=False)
    p = cleared_patient()
    starts = [
        local(next_monday() + timedelta(days=7 * w + d), 10) for w in range(5) for d in (0, 3)
    ]
    with pytest.raises(Invalid) as refused:
        course_book_with_package(
            actor=Actor(user=staff(Role.RECEPTION)),
            plan=plan,
            patient=p,
            treatment=clinic.face,
            consultation=p.consultations.get(),
            choices=[SessionChoice(start=s) for s in starts],
            weekdays=[0, 3],
            time_of_day=starts[0].timetz().replace(tzinfo=None),
            start_date=next_monday(),
        )
    assert "plan" in refused.value.fields  # the sale said no, after the sessions were booked
    assert not Course.objects.filter(patient=p).exists()
    assert not Appointment.objects.filter(patient=p).exists()
    assert not Invoice.objects.filter(patient=p).exists()
