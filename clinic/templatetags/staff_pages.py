"""Template helpers of the pages: which entries the main navigation shows a login."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from clinic.roles import Action, Role, can_ever, has_role

register = template.Library()

# The navigation's entries that depend on the login, in the order _nav_links.html names them.
_ENTRIES = (
    ("desk", Action.DESK_VIEW),
    ("chart", Action.CHART_VIEW),
    ("messages", Action.MESSAGES_VIEW),
    ("reports", Action.REPORTS_VIEW),
    ("settings", Action.CLINIC_SETTINGS),
)


@register.simple_tag
def nav_links(user: Any) -> SafeString:
    """The main navigation's links for this login (all but the logout form, which carries
    the request's CSRF token). Every login with the same entries and language gets the
    same HTML, so each process renders it once per combination, not on every page: its
    dozen `{% url %}` and `{% translate %}` were a third of the day page's template."""
    entries: tuple[tuple[str, bool], ...] = ()
    if getattr(user, "is_authenticated", False):
        entries = (("patient", has_role(user, Role.PATIENT)), ("admin", bool(user.is_staff)))
        entries += tuple((name, can_ever(user, action)) for name, action in _ENTRIES)
    if settings.DEBUG:  # `make dev`: an edited template shows on the next page
        return _render_nav(entries)
    return _nav_html(get_language(), get_script_prefix(), entries)


@lru_cache(maxsize=256)
def _nav_html(language: str, prefix: str, entries: tuple[tuple[str, bool], ...]) -> SafeString:
    """(`language` and `prefix` are the key: the active ones render it.)"""
    return _render_nav(entries)


def _render_nav(entries: tuple[tuple[str, bool], ...]) -> SafeString:
    context = {"authenticated": bool(entries), **dict(entries)}
    html = render_to_string("_nav_links.html", context)
    return mark_safe("\n".join(line for line in html.splitlines() if line.strip()))  # noqa: S308
