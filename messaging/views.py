"""Pages of the outbox: the signed link a patient opens from a message, and the staff list.

The link page needs no login. GET shows the appointment and one button; POST acts. An
expired, tampered or used link gets a page that says so, and nothing changes.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clinic.roles import Action, can
from messaging import links
from messaging.forms import MessageFilterForm
from messaging.models import LinkAction
from messaging.selectors import message_list
from messaging.unsubscribe import BadUnsubscribeLink, unsubscribe_target
from patients.services import patient_wish_off

PAGE_SIZE = 50


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: keep it out of caches, other sites' referrers and search
    # engines. `same-origin`, not `no-referrer`: with no-referrer a browser posts the page's
    # form with `Origin: null`, which Django's CSRF check refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _invalid(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    with translation.override(error.language or translation.get_language()):
        return render(request, "messages/link_invalid.html", {"error": error}, status=error.status)


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        opened = links.link_open(token)
    except links.LinkError as error:
        return _private(_invalid(request, error))
    with translation.override(opened.message.patient.preferred_language):
        if request.method == "POST":
            try:
                used = links.link_use(token=token, ip=request.META.get("REMOTE_ADDR"))
            except links.LinkError as error:
                return _private(_invalid(request, error))
            context = {"link": used, "appointment": used.appointment, "done": True}
        else:
            context = {"link": opened, "appointment": opened.appointment, "done": False}
        context["cancel"] = context["link"].action == LinkAction.CANCEL
        return _private(render(request, "messages/link.html", context))


@csrf_exempt  # the signed token is the authority; mail clients POST without a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click unsubscribe: a mail client POSTs `List-Unsubscribe=One-Click`;
    a browser GETs a page with one button, which POSTs. GET changes nothing."""
    try:
        patient, wish = unsubscribe_target(token)
    except BadUnsubscribeLink:
        error = links.LinkError(
            _("This unsubscribe link is not valid."), status=404, code="bad_unsubscribe_link"
        )
        return _private(_invalid(request, error))
    with translation.override(patient.preferred_language):
        done = request.method == "POST"
        if done:
            patient_wish_off(patient=patient, wish=wish)
        context = {"done": done, "wish": wish, "reminders": wish == "remind_before_session"}
        return _private(render(request, "messages/unsubscribe.html", context))


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every message with its status, filterable by patient, status, kind and channel."""
    if not can(request.user, Action.MESSAGES_VIEW):
        raise PermissionDenied
    form = MessageFilterForm(request.GET or None)
    page = Paginator(message_list(**form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messages/staff_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
