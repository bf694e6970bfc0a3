"""Small helpers shared by the server-rendered pages of every app."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from clinic.errors import DomainError


def show_domain_error(form: forms.Form, exc: DomainError) -> None:
    """A business rule said no: its messages go beside the fields they name, the rest
    above the form. The form keeps what was typed."""
    placed = False
    for name, messages in exc.fields.items():
        if name in form.fields and not form.fields[name].widget.is_hidden:
            for message in messages:
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
