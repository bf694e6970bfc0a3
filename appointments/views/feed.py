"""A practitioner's private calendar feed: GET /calendar/feeds/<token>.ics, no login (a
phone's calendar cannot log in; the unguessable token is the authority).

A token never issued is a plain 404, a revoked one a plain 410: nothing else is said, and
no data of any kind is in either answer."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from appointments.ics import practitioner_calendar
from appointments.selectors import calendar_feed_by_token, feed_sessions
from appointments.services.feeds import feed_token_hash


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe  # GET and HEAD: some calendar clients check with HEAD first
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = calendar_feed_by_token(feed_token_hash(token)) if len(token) <= 100 else None
    if feed is None:
        return _plain(_("No such calendar feed."), 404)
    if not feed.is_live:
        return _plain(_("This calendar feed was revoked. Ask for a new link."), 410)
    practitioner = feed.practitioner
    body = practitioner_calendar(
        feed_sessions(practitioner, timezone.now()),
        # The UID's host is the clinic's, not whichever name the request came by: a UID
        # must never change, or a calendar would show the session twice.
        host=urlsplit(settings.CLINIC_BASE_URL).hostname or "clinic",
        name=f"{settings.CLINIC_NAME} · {practitioner.display_name}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return _private(response)
