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
from django.views.decorators.http import require_http_methods

from clinic.errors import DomainError
from clinic.roles import Action, can
from messaging import follow_ups, links, opt_out, surveys
from messaging.forms import MessageFilterForm, SurveyForm
from messaging.models import LinkAction
from messaging.selectors import message_list

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


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The feedback survey from its signed link (no login). POST keeps the answer once."""
    try:
        opened = surveys.survey_open(token)
    except links.LinkError as error:
        return _private(_invalid(request, error))
    with translation.override(opened.patient.preferred_language):
        form = SurveyForm(request.POST if request.method == "POST" else None)
        context = {"survey": opened, "treatment": _(opened.treatment.name), "form": form}
        if form.is_bound and form.is_valid():
            try:
                surveys.survey_answer(token=token, **form.cleaned_data)
            except links.LinkError as error:
                return _private(_invalid(request, error))
            except DomainError as error:  # the service's own check of the answer
                for field, problems in error.fields.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                context["done"] = True
        status = 400 if form.is_bound and form.errors else 200
        return _private(render(request, "messages/survey.html", context, status=status))


@require_http_methods(["GET", "POST"])
def no_follow_ups(request: HttpRequest, token: str) -> HttpResponse:
    """Stop recalls and surveys from the link in one (no login). POST acts."""
    try:
        patient = opt_out.opt_out_patient(token)
    except links.LinkError as error:
        return _private(_invalid(request, error))
    with translation.override(patient.preferred_language):
        done = request.method == "POST"
        if done:
            follow_ups.follow_ups_allow(patient=patient, allowed=False)
        return _private(render(request, "messages/no_follow_ups.html", {"done": done}))


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
