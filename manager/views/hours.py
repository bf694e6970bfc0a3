"""Opening hours and the booking and reminder policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from appointments.models import ClinicPolicy, OpeningHours
from appointments.services.configuration import POLICY_FIELDS, opening_hours_set, policy_update
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import page_requires, posted
from clinic.roles import Action
from manager.forms import OpeningHoursForm, PolicyForm
from manager.views.pages import form_page


def _week() -> dict:
    """Each weekday's span (its first opening to its last closing), or None: closed."""
    week: dict = {}
    for row in OpeningHours.objects.order_by("weekday", "start"):
        first = week.get(row.weekday)
        week[row.weekday] = (first[0] if first else row.start, row.end)
    return week


@page_requires(Action.CLINIC_SETTINGS)
def opening_hours(request: HttpRequest) -> HttpResponse:
    form = OpeningHoursForm(posted(request), week=_week())
    actor = Actor.from_request(request)
    stranded: list = []

    def save(data: dict) -> None:
        try:
            opening_hours_set(actor=actor, week=form.week(), change_anyway=data["change_anyway"])
        except DomainError as exc:
            stranded.extend(exc.details.get("sessions", []))
            raise

    return form_page(
        request,
        form,
        save,
        done=reverse("manager:home"),
        title=_("Opening hours"),
        template="manager/opening_hours.html",
        context={"stranded": stranded},
    )


@page_requires(Action.CLINIC_SETTINGS)
def policy(request: HttpRequest) -> HttpResponse:
    current = ClinicPolicy.objects.get_or_create(pk=1)[0]
    initial = {name: getattr(current, name) for name in POLICY_FIELDS}
    form = PolicyForm(
        posted(request), initial=initial, current=list(current.reminder_offsets_minutes)
    )
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: policy_update(actor=actor, changes={k: data[k] for k in POLICY_FIELDS}),
        done=reverse("manager:home"),
        title=_("Booking and reminder policy"),
    )
