"""Money tests: a priced clinic, sessions that took place, package plans, desk actors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from appointments.models import Appointment, Status
from appointments.services import appointment_book
from billing.models import PackagePlan
from billing.services.invoices import LineInput
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import Clinic, build_clinic, days_ahead, local
from tests.factories import consult, patient, screen, staff

FACE_PRICE = Decimal("1200.00")


def priced_clinic() -> Clinic:
    clinic = build_clinic(practitioners=1, rooms=2, devices=2)
    clinic.face.price = FACE_PRICE
    clinic.face.save(update_fields=["price"])
    return clinic


def desk() -> Actor:
    return Actor(user=staff(Role.RECEPTION))


def manager() -> Actor:
    return Actor(user=staff(Role.MANAGER))


def cleared_patient(**kwargs):
    p = patient(**kwargs)
    screen(p)
    consult(p, plans={"microcurrent-therapy-face": 10})
    return p


def session(
    clinic: Clinic, p, *, days: int = 3, hour: int = 10, ago: int = 1, status=Status.CHECKED_IN
):
    """A face session booked through the service (in `days` at `hour`); unless it stays
    booked, moved to `ago` hours before now in `status`, as the access table's fixture
    does (distinct `ago` of one patient never overlap)."""
    booked = appointment_book(
        actor=desk(), patient=p, treatment=clinic.face, start=local(days_ahead(days), hour)
    )
    if status == Status.BOOKED:
        return booked
    start = timezone.now() - timedelta(hours=ago, minutes=50)
    Appointment.objects.filter(pk=booked.pk).update(
        start=start,
        end=start + timedelta(minutes=45),
        blocked_until=start + timedelta(minutes=55),
        status=status,
    )
    booked.refresh_from_db()
    return booked


def plan(clinic: Clinic, *, sessions: int = 10, price: str = "9000.00", days: int = 180):
    found = PackagePlan.objects.create(
        name=f"Face x{sessions}", sessions=sessions, price=Decimal(price), valid_days=days
    )
    found.treatments.set([clinic.face])
    return found


def line(price: str = "1000.00", **kwargs) -> LineInput:
    return LineInput(
        kind=kwargs.pop("kind", "treatment"),
        description=kwargs.pop("description", "Microcurrent therapy, face"),
        unit_price=Decimal(price),
        **{k: Decimal(v) if isinstance(v, str) else v for k, v in kwargs.items()},
    )
