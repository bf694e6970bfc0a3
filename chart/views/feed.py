"""The practitioner's own calendar feed: see whether one is live, get a new URL (shown
once, as only its hash is kept), or revoke it. Dermatologists with a practitioner record."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from appointments.models import Practitioner
from appointments.selectors import calendar_feed_live
from appointments.services.feeds import calendar_feed_issue, calendar_feed_revoke
from clinic.page_access import page_requires
from clinic.roles import Action


@page_requires(Action.CHART_VIEW)
@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    practitioner = Practitioner.objects.filter(user=request.user).first()
    context: dict = {"practitioner": practitioner, "new_url": "", "revoked": False}
    status = 200
    if practitioner is not None and request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            token = calendar_feed_issue(practitioner=practitioner)
            path = reverse("appointments:calendar-feed", kwargs={"token": token})
            context["new_url"] = request.build_absolute_uri(path)
        elif action == "revoke":
            context["revoked"] = calendar_feed_revoke(practitioner=practitioner) > 0
        else:
            status = 400
    elif practitioner is None and request.method == "POST":
        status = 400
    context["feed"] = calendar_feed_live(practitioner) if practitioner else None
    response = render(request, "chart/calendar_feed.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a new URL is on the page once
    return response
