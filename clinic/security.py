"""Staff account security (SPEC S8): a second factor before anything else, sessions that
end after 15 minutes idle or 12 hours in all, and logging out (or changing the password)
ending the user's other sessions and API tokens. Auth events are logged.

The second-factor rule lives in clinic.second_factor, and every way in asks it: this
middleware for pages and session requests, each API authenticator
(clinic.authentication) for whatever credential DRF accepted, a token included."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from knox.models import AuthToken

from clinic.errors import error_body
from clinic.models import UserSession
from clinic.roles import is_staff_member
from clinic.second_factor import Refusal, second_factor_refusal, session_passed_mfa
from clinic.tokens import api_tokens_revoke

log = logging.getLogger("clinic.auth")

LOGIN_AT, SEEN_AT = "clinic_login_at", "clinic_seen_at"
# Sent by requests the page makes by itself (the desk grid's live refresh): they are not
# the person at the screen, so they never keep an idle staff session open.
BACKGROUND_HEADER = "X-Clinic-Background"
SEEN_GRANULARITY = 60  # seconds: the session is written at most once a minute for this
# Where a staff member without a second factor may still go: setting one up, leaving.
MFA_SETUP_PATHS = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/healthz",
)


def _denied(request: HttpRequest, refusal: Refusal, to: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(refusal.code, refusal.message), status=403)
    messages.warning(request, refusal.message)
    if request.headers.get("HX-Request") == "true":
        # An HTMX swap would put the login page inside the page: HTMX goes there instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(to)
        return response
    return redirect(to)


class StaffSecurityMiddleware:
    """After authentication: enforce the staff session rules on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and is_staff_member(user):
            refused = self._check(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        now = time.time()
        login_at = request.session.get(LOGIN_AT, now)
        seen_at = request.session.get(SEEN_AT, now)
        if (
            now - login_at > settings.STAFF_SESSION_MAX_SECONDS
            or now - seen_at > settings.STAFF_SESSION_IDLE_SECONDS
        ):  # only this session ends; the user's other sessions go on
            UserSession.objects.filter(session_key=request.session.session_key).delete()
            request.session.flush()
            request.user = AnonymousUser()
            ended = Refusal("ended", _("Your session has ended. Please log in again."))
            return _denied(request, ended, settings.LOGIN_URL)
        if now - seen_at > SEEN_GRANULARITY and BACKGROUND_HEADER not in request.headers:
            request.session[SEEN_AT] = now
        if request.path.startswith(MFA_SETUP_PATHS):
            return None
        refusal = second_factor_refusal(user, proven=session_passed_mfa(request, user))
        if refusal is None:
            return None
        if refusal.reason == "setup":
            return _denied(request, refusal, "mfa_activate_totp")
        logout(request)  # this session never passed the second factor
        return _denied(request, refusal, settings.LOGIN_URL)


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    log.info("login user=%s ip=%s", user.pk, _ip(request))
    if sender is AuthToken:  # a token login (clinic.token_api): there is no session to set up
        return
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[LOGIN_AT] = request.session[SEEN_AT] = now
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.get_or_create(
        session_key=request.session.session_key, defaults={"user": user}
    )


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    log.info("logout user=%s ip=%s", user.pk, _ip(request))
    end_sessions(user, keep=None)
    api_tokens_revoke(user_id=user.pk)


@receiver(user_login_failed)
def _on_failure(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    log.warning(
        "login failed login=%r ip=%s",
        credentials.get("username") or credentials.get("email"),
        _ip(request),
    )


@receiver(password_changed)
@receiver(password_reset)
def _on_password_change(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    log.info("password changed user=%s ip=%s", user.pk, _ip(request))
    end_sessions(user, keep=getattr(request, "session", None) and request.session.session_key)
    api_tokens_revoke(user_id=user.pk)


@receiver(mfa_authentication_failed)
def _on_code_failure(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A wrong authenticator code (web or API). allauth counts it against the account in
    the shared cache ("login_failed", key mfa-auth-user-<id>) and locks the code step at
    the limit: settings.ACCOUNT_RATE_LIMITS."""
    log.warning("second factor failed user=%s ip=%s", user.pk, _ip(request))


def end_sessions(user: Any, *, keep: str | None) -> int:
    """End every session of the user but `keep`."""
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    keys = list(rows.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in keys:  # through the engine: from the shared cache as well as the table
        store.delete(key)
    rows.delete()
    return len(keys)


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def login_name(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The person a login attempt names, for django-axes (AXES_USERNAME_CALLABLE): the
    account's username when the typed login is its username or one of its email addresses
    (case-insensitive), so failures typed as `patient2` and as `patient2@example.com`
    count together; otherwise the typed login itself, lowercased. allauth authenticates
    with `username` or `email` credentials; its form posts `login`, the API `login`."""
    typed = _typed_login(request, credentials)
    if not typed:
        return None
    known = getattr(request, "_clinic_login_names", None)
    if known is None:
        known = {}
        request._clinic_login_names = known  # type: ignore[attr-defined]  # axes asks again
    if typed not in known:
        known[typed] = _canonical_login(typed)
    return known[typed]


def _typed_login(request: HttpRequest, credentials: dict | None) -> str | None:
    if credentials:
        name = credentials.get("username") or credentials.get("email")
        if name:
            return str(name).strip().lower()
    data = getattr(request, "data", None) or request.POST
    name = data.get("login") or data.get("username")
    return str(name).strip().lower() if isinstance(name, str) and name.strip() else None


def _canonical_login(typed: str) -> str:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    names = list(users.filter(username__iexact=typed).values_list("username", flat=True)[:2])
    if not names and "@" in typed:
        owners = EmailAddress.objects.filter(email__iexact=typed).values("user_id")
        names = list(
            users.filter(Q(email__iexact=typed) | Q(pk__in=owners))
            .values_list("username", flat=True)
            .distinct()[:2]
        )
    return names[0].lower() if len(names) == 1 else typed
