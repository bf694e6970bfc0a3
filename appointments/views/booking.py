"""Online booking: treatment -> day -> free time (HTMX) -> confirm."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments import services
from appointments.calendar import calendar_config, local_date, zone
from appointments.forms import PractitionerForm, StartForm, WaitlistForm
from appointments.models import Channel
from appointments.services import waitlist
from appointments.services.prepayment import PrepaymentDue, prepayment_due, prepayment_quote
from appointments.services.rules import NotCleared
from appointments.views.picker import offered, picker_context, render_picker, unavailable
from clinic.audit import Actor
from clinic.errors import Conflict, DomainError
from clinic.pages import show_domain_error
from patients.access import patient_required
from patients.clearance import ClearanceResult, clearance_map
from patients.models import Patient
from patients.selectors import screening_is_current, treatment_clearance
from treatments.models import Treatment
from treatments.selectors import consultation_treatment, treatment_get, treatment_list


def questionnaire_first(request: HttpRequest, patient: Patient) -> HttpResponse | None:
    """Bookings need safety answers from the last 30 days: ask first, then come back."""
    if screening_is_current(patient):
        return None
    url = reverse("patients:questionnaire")
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


@patient_required
def book_start(request: HttpRequest, patient: Patient) -> HttpResponse:
    """Step 1: which treatment. Each shows whether the patient may book it online."""
    if gate := questionnaire_first(request, patient):
        return gate
    treatments = list(treatment_list())
    clearance = clearance_map(patient, treatments)
    rows = [(t, clearance[t.pk]) for t in treatments]
    return render(request, "appointments/book_start.html", {"rows": rows})


def _not_cleared(
    request: HttpRequest, treatment: Treatment, result: ClearanceResult
) -> HttpResponse:
    """Why not, in plain words: a consultation first, or (absolute) please call us."""
    consultation = consultation_treatment()
    context = {
        "treatment": treatment,
        "reasons": result.reasons,
        "absolute": result.absolute,
        "consultation": consultation,
    }
    return render(request, "appointments/not_cleared.html", context, status=403)


def _urls(treatment: Treatment) -> tuple[str, str]:
    return (
        reverse("appointments:book-treatment", args=[treatment.slug]),
        reverse("appointments:book-confirm", args=[treatment.slug]),
    )


def _picker_page(
    request: HttpRequest,
    treatment: Treatment,
    data: dict,
    *,
    chosen: PractitionerForm,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The picker for the practitioner chosen (or any); a bad choice is an error beside
    the choice, and no times until it is fixed."""
    page_url, choose_url = _urls(treatment)
    if chosen.is_bound and not chosen.is_valid():
        context = {"treatment": treatment, "practitioner_form": chosen, "page_url": page_url}
        return render(request, "appointments/book.html", context, status=400)
    context = picker_context(
        treatment,
        data,
        page_url=page_url,
        choose_url=choose_url,
        practitioner_id=chosen.chosen_id(),
    )
    context.update(notice=notice, practitioner_form=chosen)
    return render_picker(request, "appointments/book.html", context, status=status)


def _practitioner_form(data: Mapping[str, Any], treatment: Treatment) -> PractitionerForm:
    """Bound only when the patient chose someone: no choice at all means "any"."""
    bound = {"practitioner": data["practitioner"]} if data.get("practitioner") else None
    return PractitionerForm(bound, treatment=treatment)


@patient_required
def book_treatment(request: HttpRequest, patient: Patient, slug: str) -> HttpResponse:
    """Steps 2 and 3: a day, then its free times (the times swap in with HTMX)."""
    treatment = treatment_get(slug=slug)
    if gate := questionnaire_first(request, patient):
        return gate
    result = treatment_clearance(Actor.from_request(request), patient, treatment)
    if not result.allowed:
        return _not_cleared(request, treatment, result)
    chosen = _practitioner_form(request.GET, treatment)
    return _picker_page(request, treatment, request.GET.dict(), chosen=chosen)


@patient_required
def waitlist_join(request: HttpRequest, patient: Patient, slug: str) -> HttpResponse:
    """No time suits: wait for one to free up between two days (the patient's own entry;
    an offer comes by message)."""
    treatment = treatment_get(slug=slug)
    if gate := questionnaire_first(request, patient):
        return gate
    form = WaitlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.waitlist_join(
                actor=Actor.from_request(request),
                patient=patient,
                treatment=treatment,
                earliest=form.cleaned_data["earliest"],
                latest=form.cleaned_data["latest"],
                time_from=form.cleaned_data["time_from"],
                time_to=form.cleaned_data["time_to"],
            )
        except NotCleared:
            shown = treatment_clearance(Actor.from_request(request), patient, treatment)
            return _not_cleared(request, treatment, shown)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request, _("You are on the waitlist. We will write when a time frees up.")
            )
            return redirect("appointments:mine")
    status = 400 if form.is_bound and form.errors else 200
    context = {"treatment": treatment, "form": form}
    return render(request, "appointments/waitlist_join.html", context, status=status)


def _confirm_context(
    treatment: Treatment, form: StartForm, start: datetime, chosen: PractitionerForm
) -> dict:
    policy = calendar_config().policy
    back = {"day": local_date(start).isoformat()}
    practitioner = chosen.cleaned_data.get("practitioner") if chosen.is_bound else None
    if practitioner is not None:
        back["practitioner"] = str(practitioner.pk)
    return {
        "treatment": treatment,
        "form": form,
        "practitioner": practitioner,
        "start": start,
        "end": start + timedelta(minutes=treatment.session_minutes),
        "cutoff_hours": policy.patient_cancel_cutoff_hours,
        "back_url": f"{_urls(treatment)[0]}?{urlencode(back)}",
    }


@patient_required
def book_confirm(request: HttpRequest, patient: Patient, slug: str) -> HttpResponse:
    """Step 4: the summary (GET), then the booking itself (POST)."""
    treatment = treatment_get(slug=slug)
    if gate := questionnaire_first(request, patient):
        return gate
    data = request.POST if request.method == "POST" else request.GET
    form, chosen = StartForm(data), _practitioner_form(data, treatment)
    if chosen.is_bound and not chosen.is_valid():
        messages.error(request, chosen.errors["practitioner"][0])
        return redirect("appointments:book-treatment", slug=treatment.slug)
    if not form.is_valid():
        messages.error(request, _("Please choose a time from the list."))
        return redirect("appointments:book-treatment", slug=treatment.slug)
    start = form.cleaned_data["start"]
    if request.method == "POST":
        return _book(request, patient, treatment, start, chosen)
    if not offered(treatment, start, practitioner_id=chosen.chosen_id()):
        return unavailable(request, start, _urls(treatment)[0])
    context = _confirm_context(treatment, form, start, chosen)
    context["deposit"] = prepayment_quote(patient=patient, treatment=treatment, now=timezone.now())
    return render(request, "appointments/confirm.html", context)


def _book(
    request: HttpRequest,
    patient: Patient,
    treatment: Treatment,
    start: datetime,
    chosen: PractitionerForm,
) -> HttpResponse:
    """Book through the service. A time taken meanwhile shows fresh times for that day
    with a clear message, never an error page."""
    try:
        booked = services.appointment_book(
            actor=Actor.from_request(request),
            patient=patient,
            treatment=treatment,
            start=start,
            practitioner_id=chosen.chosen_id(),
            channel=Channel.ONLINE,
        )
    except NotCleared:
        shown = treatment_clearance(Actor.from_request(request), patient, treatment)
        return _not_cleared(request, treatment, shown)
    except DomainError as exc:
        day = {"day": local_date(start).isoformat()}
        notice = conflict_message(exc)
        return _picker_page(
            request, treatment, day, chosen=chosen, notice=notice, status=exc.status_code
        )
    if (due := prepayment_due(booked)) is not None:
        return _pay_deposit(request, treatment, due)
    messages.success(
        request, _("Booked: %(what)s. See you at the clinic!") % {"what": _(treatment.name)}
    )
    return redirect("appointments:mine")


def _pay_deposit(request: HttpRequest, treatment: Treatment, due: PrepaymentDue) -> HttpResponse:
    """A treatment with a deposit: the time is held for the patient, straight to paying."""
    messages.info(
        request,
        _(
            "We are holding %(what)s for you until %(until)s. Pay the deposit of "
            "%(amount)s %(currency)s to book it."
        )
        % {
            "what": _(treatment.name),
            "until": date_format(timezone.localtime(due.held_until, zone()), "TIME_FORMAT"),
            "amount": due.amount,
            "currency": due.currency,
        },
    )
    return redirect(due.pay_url)


def conflict_message(exc: DomainError) -> str:
    """What a patient reads when the booking or move was refused at the last moment."""
    if exc.code == "patient_busy":
        return _("You already have an appointment at that time: please choose another.")
    if isinstance(exc, Conflict):
        return _(
            "Sorry, that time was just taken by someone else. Here are the free times now: "
            "please choose another, or call us at %(phone)s."
        ) % {"phone": settings.CLINIC_PHONE}
    return exc.message
