"""Session records at the chart: record a session (the current limits beside the field),
edit a draft, sign, amend a signed one. Shown records are audit-logged."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import SessionRecord
from appointments.selectors import appointment_get_for
from chart import services as service
from chart.forms.records import RecordAmendForm, SessionRecordForm, record_initial
from chart.selectors import record_base, record_prefill
from clinic.audit import Actor, audit_record
from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import amend_page, show_domain_error
from clinic.roles import Action, can


def _record(request: HttpRequest, pk: int) -> SessionRecord:
    record = record_base().filter(pk=pk).first()
    if record is None or not can(request.user, Action.SESSION_RECORD_VIEW, record):
        raise Http404
    return record


def _saved(request: HttpRequest, record: SessionRecord) -> HttpResponse:
    if record.is_signed:
        messages.success(request, _("The session record is signed."))
    else:
        messages.success(request, _("The session record is saved as a draft."))
    return redirect("chart:record", pk=record.pk)


@page_requires(Action.CHART_VIEW)
def record_new(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(request.user, pk, Action.SESSION_RECORD_WRITE)
    existing = SessionRecord.objects.filter(appointment=appointment).first()
    if existing is not None:
        return redirect("chart:record", pk=existing.pk)
    form = SessionRecordForm(
        posted(request), treatment=appointment.treatment, initial=record_prefill(appointment)
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = service.session_record_create(
                actor=Actor.from_request(request),
                appointment=appointment,
                sign="sign" in request.POST,
                **form.values(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return _saved(request, record)
    context = {"a": appointment, "patient": appointment.patient, "form": form}
    return render(request, "chart/record_form.html", context, status=form_status(form))


@page_requires(Action.CHART_VIEW)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    audit_record(
        Actor.from_request(request), action="read", obj=record, patient_id=record.patient_id
    )
    context = {"r": record, "a": record.appointment, "patient": record.patient}
    return render(request, "chart/record.html", context)


@page_requires(Action.CHART_VIEW)
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft is edited in place; "save and sign" saves nothing unless it can sign."""
    record = _record(request, pk)
    if record.is_signed:
        return redirect("chart:record-amend", pk=record.pk)
    actor = Actor.from_request(request)
    treatment = record.appointment.treatment
    form = SessionRecordForm(posted(request), treatment=treatment, initial=record_initial(record))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                record = service.session_record_update(actor=actor, record=record, **form.values())
                if "sign" in request.POST:
                    record = service.session_record_sign(actor=actor, record=record)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return _saved(request, record)
    else:
        audit_record(actor, action="read", obj=record, patient_id=record.patient_id)
    context = {"a": record.appointment, "patient": record.patient, "form": form, "r": record}
    return render(request, "chart/record_form.html", context, status=form_status(form))


@require_POST
@page_requires(Action.CHART_VIEW)
def record_sign(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    try:
        service.session_record_sign(actor=Actor.from_request(request), record=record)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session record is signed."))
    return redirect("chart:record", pk=record.pk)


@page_requires(Action.CHART_VIEW)
def record_amend(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    if not record.is_signed:
        return redirect("chart:record-edit", pk=record.pk)
    form = RecordAmendForm(
        posted(request),
        treatment=record.appointment.treatment,
        initial=record_initial(record),
    )
    return amend_page(
        request,
        record=record,
        form=form,
        amend=functools.partial(service.session_record_amend, record=record),
        done_url=reverse("chart:record", kwargs={"pk": record.pk}),
        template="chart/record_amend.html",
        context={"r": record, "a": record.appointment, "patient": record.patient, "form": form},
    )
