"""The staff second-factor rule, in one place: every way into the app asks it, whatever
authenticated the request. clinic.security's middleware asks it for pages and session
requests; clinic.authentication's API authenticators for every credential DRF accepts
(a session, a token, any authenticator added later); the token endpoint and
`manage.py drf_create_token` before they issue a token.

(No DRF imports here: DRF's settings import the authenticators, which import this.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clinic.auth import has_totp
from clinic.roles import is_staff_member


@dataclass(frozen=True)
class Refusal:
    """Why a staff request may not go on: `setup` (no authenticator app yet) or `prove`
    (this credential never passed the second factor)."""

    reason: str
    message: str
    code: str = "second_factor_required"


def second_factor_refusal(user: Any, *, proven: bool) -> Refusal | None:
    """The rule: a staff member needs an authenticator app, and the credential of the
    request (a session, a token, ...) must have passed the second factor. Everyone else
    goes on: patients may use a second factor but need not."""
    if not is_staff_member(user):
        return None
    if not has_totp(user):
        return Refusal(
            "setup", _("Staff accounts need two-factor login: set up an authenticator app first.")
        )
    if not proven:
        return Refusal("prove", _("Log in with your second factor."))
    return None


def session_passed_mfa(request: HttpRequest, user: Any) -> bool:
    """Did this session's login include the second factor (allauth's records)?"""
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))
