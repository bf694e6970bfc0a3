"""Small helpers shared by the server-rendered pages of every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import DomainError
from clinic.page_access import form_status


def show_domain_error(form: forms.Form, exc: DomainError) -> None:
    """A business rule said no: its messages go beside the fields they name, the rest
    above the form. The form keeps what was typed."""
    placed = False
    for name, texts in exc.fields.items():
        if name in form.fields and not form.fields[name].widget.is_hidden:
            for message in texts:
                form.add_error(name, message)
            placed = True
    if not placed:  # nothing visible to put it beside
        form.add_error(None, exc.message)


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` parameter if it points back into this site, otherwise `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def amend_page(
    request: HttpRequest,
    *,
    record: Any,
    form: Any,
    amend: Callable[..., object],
    done_url: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The amend page of a signed clinical record (a consultation, a session record).

    A valid POST that changes something is handed to `amend(actor=, reason=, changes=)`,
    the record's service, and goes back to the record. Anything else shows the page with
    the record's values, which is a read of the record, and is audited as one."""
    actor = Actor.from_request(request)
    if request.method == "POST" and form.is_valid() and form.has_changes(record):
        try:
            amend(actor=actor, reason=form.cleaned_data["reason"], changes=form.changes(record))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The amendment is recorded."))
            return redirect(done_url)
    else:
        audit_record(actor, action="read", obj=record, patient_id=record.patient_id)
    return render(request, template, context, status=form_status(form))
