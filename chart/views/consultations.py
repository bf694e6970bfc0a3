"""The dermatologist's consultation pages. Every page that shows a consultation writes an
audit row; every change goes through the consultation services."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chart.forms.consultations import AmendForm, ConsultationForm, amend_initial, initial_from
from clinic.audit import Actor, audit_record
from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import amend_page
from clinic.roles import Action
from patients import services
from patients.models import Consultation
from patients.selectors import consultation_get_for, patient_get_for
from treatments.selectors import contraindication_list


def _saved(request: HttpRequest, c: Consultation) -> HttpResponse:
    if c.is_signed:
        messages.success(request, _("The consultation is signed."))
    else:
        messages.success(request, _("The consultation is saved as a draft."))
    return redirect("chart:consultation", pk=c.pk)


def _form_page(request: HttpRequest, form: ConsultationForm, context: dict) -> HttpResponse:
    if "all_absent" in request.POST:  # the "rest absent" button: show, save nothing
        form = form.with_the_rest_absent()
    context.update(form=form, reviews=form.review_rows())
    return render(request, "chart/consultation_form.html", context, status=form_status(form))


@page_requires(Action.CHART_VIEW)
def consultation_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_get_for(request.user, pk, Action.CONSULTATION_WRITE)
    form = ConsultationForm(posted(request), contraindications=list(contraindication_list()))
    if request.method == "POST" and "all_absent" not in request.POST and form.is_valid():
        try:
            c = services.consultation_create(
                actor=Actor.from_request(request),
                patient=patient,
                sign="sign" in request.POST,
                record_screening=form.cleaned_data["record_screening"],
                **form.service_kwargs(),
            )
        except DomainError as exc:
            form.show_error(exc)
        else:
            return _saved(request, c)
    return _form_page(request, form, {"patient": patient})


@page_requires(Action.CHART_VIEW)
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = consultation_get_for(request.user, pk)
    audit_record(Actor.from_request(request), action="read", obj=c, patient_id=c.patient_id)
    return render(request, "chart/consultation.html", {"c": c, "patient": c.patient})


@page_requires(Action.CHART_VIEW)
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft is edited in place; "save and sign" saves nothing unless it can sign."""
    c = consultation_get_for(request.user, pk)
    if c.is_signed:
        return redirect("chart:consultation-amend", pk=c.pk)
    actor = Actor.from_request(request)
    form = ConsultationForm(
        posted(request),
        contraindications=list(contraindication_list()),
        initial=initial_from(c),
    )
    if request.method == "POST" and "all_absent" not in request.POST and form.is_valid():
        try:
            with transaction.atomic():
                c = services.consultation_update(
                    actor=actor, consultation=c, **form.service_kwargs()
                )
                if "sign" in request.POST:
                    c = services.consultation_sign(
                        actor=actor,
                        consultation=c,
                        record_screening=form.cleaned_data["record_screening"],
                    )
        except DomainError as exc:
            form.show_error(exc)
        else:
            return _saved(request, c)
    else:
        audit_record(actor, action="read", obj=c, patient_id=c.patient_id)
    return _form_page(request, form, {"patient": c.patient, "c": c})


def _all_messages(exc: DomainError) -> str:
    details = [m for msgs in exc.fields.values() for m in msgs]
    return " ".join([exc.message, *details])


@require_POST
@page_requires(Action.CHART_VIEW)
def consultation_sign(request: HttpRequest, pk: int) -> HttpResponse:
    c = consultation_get_for(request.user, pk)
    try:
        services.consultation_sign(actor=Actor.from_request(request), consultation=c)
    except DomainError as exc:
        messages.error(request, _all_messages(exc))
    else:
        messages.success(request, _("The consultation is signed."))
    return redirect("chart:consultation", pk=c.pk)


@page_requires(Action.CHART_VIEW)
def consultation_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a signed consultation: the original values stay in the amendment."""
    c = consultation_get_for(request.user, pk)
    if not c.is_signed:
        return redirect("chart:consultation-edit", pk=c.pk)
    form = AmendForm(posted(request), initial=amend_initial(c))
    return amend_page(
        request,
        record=c,
        form=form,
        amend=functools.partial(services.consultation_amend, consultation=c),
        done_url=reverse("chart:consultation", kwargs={"pk": c.pk}),
        template="chart/consultation_amend.html",
        context={"c": c, "patient": c.patient, "form": form},
    )
