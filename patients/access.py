"""Page access for patients: a logged-in user with their own patient record."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from clinic.roles import is_staff_member
from patients.models import Patient
from patients.selectors import own_patient

PatientView = Callable[..., HttpResponse]


def patient_required(view: PatientView) -> Callable[..., HttpResponse]:
    """Log in first; then the view gets the caller's own Patient as its second argument.
    A patient login without a record is asked for the details; staff get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        patient: Patient | None = own_patient(request.user)
        if patient is None:
            if is_staff_member(request.user):
                raise PermissionDenied
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('patients:profile')}?{query}")
        return view(request, patient, *args, **kwargs)

    return wrapper
