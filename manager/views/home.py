"""The settings index: one link per page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.page_access import page_requires
from clinic.roles import Action


@page_requires(Action.CLINIC_SETTINGS)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "manager/home.html")
