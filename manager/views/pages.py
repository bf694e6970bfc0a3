"""What every settings form page does: show the form, hand a valid one to its service,
put the service's refusals beside the fields, and go back to the list when saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clinic.errors import DomainError
from clinic.page_access import form_status
from clinic.pages import show_domain_error


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    done: str,
    title: str,
    context: dict[str, Any] | None = None,
    template: str = "manager/form.html",
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(done)
    page = {"form": form, "title": title, "back": done, **(context or {})}
    return render(request, template, page, status=form_status(form))
