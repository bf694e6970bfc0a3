"""Sessions still booked on days the clinic has since closed: reception moves each one
(the move page opens on the first open day after the closure)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appointments.selectors import booked_in_closures
from clinic.page_access import page_requires
from clinic.roles import Action


@page_requires(Action.DESK_VIEW)
def closed_days(request: HttpRequest) -> HttpResponse:
    groups = [
        (closure, closure.end_date + timedelta(days=1), sessions)
        for closure, sessions in booked_in_closures(timezone.localdate(), timezone.now())
    ]
    return render(request, "desk/closed_days.html", {"groups": groups})
