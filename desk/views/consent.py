"""The treatment consent signed on the desk's tablet: the patient reads the current text
and signs on screen; the signed PDF is frozen like one signed at home."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires
from clinic.pages import safe_next
from clinic.roles import Action
from patients import consent_pages
from patients.selectors import consent_state, patient_get_for
from patients.services import consent_current


@page_requires(Action.DESK_VIEW)
def consent_sign(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_get_for(request.user, pk, Action.CONSENT_ACCEPT)
    try:
        text = consent_current()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:patient", pk=patient.pk)
    form, signed = consent_pages.sign_step(request, patient, text)
    if signed is not None:
        messages.success(request, _("The signed consent is recorded."))
        return redirect(safe_next(request, reverse("desk:patient", args=[patient.pk])))
    context = {
        "patient": patient,
        "form": form,
        "text": text,
        "state": consent_state(patient),
        "next": safe_next(request, ""),
    }
    return render(request, "desk/consent_sign.html", context, status=form_status(form))
