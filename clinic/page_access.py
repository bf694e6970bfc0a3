"""Access to the staff pages: log in first, then the role must be able to take the action.

A role that may never take the action gets 403; an object the caller may not see is a 404
(the selectors decide that). Used by the desk, the chart and the reports.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from clinic.roles import Action, can_ever

PageView = Callable[..., HttpResponse]


def page_requires(action: Action) -> Callable[[PageView], PageView]:
    def decorator(view: PageView) -> PageView:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can_ever(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must show its errors), else None."""
    return request.POST if request.method == "POST" else None


def form_status(*forms_: forms.Form | None, conflict: bool = False) -> int:
    """400 for a form sent back with errors (409 when a business rule found a clash)."""
    if any(f is not None and f.is_bound and f.errors for f in forms_):
        return 409 if conflict else 400
    return 200
