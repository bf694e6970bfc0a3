"""Photos on the chart: take or upload one for a session, compare two of one pose with
the outcome scores of their sessions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clinic.page_access import form_status, page_requires
from clinic.roles import Action
from patients import photo_pages
from patients.selectors import patient_get_for


@page_requires(Action.CHART_VIEW)
def photos(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_get_for(request.user, pk, Action.PHOTO_VIEW)
    form, photo = photo_pages.upload_step(request, patient)
    if photo is not None:
        return redirect(f"{reverse('chart:photos', args=[patient.pk])}?pose={photo.pose}")
    context = {**photo_pages.photo_page_context(request, patient), "form": form}
    return render(request, "chart/photos.html", context, status=form_status(form))
