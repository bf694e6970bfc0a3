"""Photos at the desk: reception takes them (a tablet's camera) and records the patient's
photo consent, but never looks at them: photos are clinical (SPEC S8, S10)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinic.page_access import form_status, page_requires
from clinic.roles import Action
from patients import photo_pages
from patients.photo_selectors import photo_consents
from patients.selectors import patient_get_for


@page_requires(Action.DESK_VIEW)
def photos(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_get_for(request.user, pk, Action.PHOTO_UPLOAD)
    form, photo = photo_pages.upload_step(request, patient)
    if photo is not None:
        return redirect("desk:photos", pk=patient.pk)
    context = {"patient": patient, "form": form, "consents": photo_consents(patient)}
    return render(request, "desk/photos.html", context, status=form_status(form))


@page_requires(Action.DESK_VIEW)
def photo_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's photo consent as they answer it at the desk."""
    patient = patient_get_for(request.user, pk, Action.PHOTO_CONSENT)
    form, changed = photo_pages.consent_step(request, patient)
    if changed:
        return redirect("desk:photos", pk=patient.pk)
    context = {"patient": patient, "consent_form": form}
    return render(request, "desk/photo_consent.html", context, status=form_status(form))
