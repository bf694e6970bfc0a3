"""Sessions still booked on days the clinic has since closed: reception (or the manager,
sent here after "close anyway") moves each one to the nearest free time after the
closure in one click, or cancels it with the reason "clinic closed" and the notice to
the patient; both through the desk's move and cancel pages (and so the services). The
manager's closure pages show the same rows (appointments.proposals, the same partial)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from appointments.proposals import clinic_closed_reason, stranded_groups
from clinic.page_access import page_requires
from clinic.roles import Action


@page_requires(Action.DESK_VIEW)
def closed_days(request: HttpRequest) -> HttpResponse:
    context = {
        "groups": stranded_groups(timezone.localdate(), timezone.now()),
        "closed_reason": clinic_closed_reason(),
        "back_to": reverse("desk:closed-days"),
    }
    return render(request, "desk/closed_days.html", context)
