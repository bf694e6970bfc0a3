"""The API's token endpoints (tokens: clinic.tokens; authenticators: clinic.authentication).

POST /api/auth/token/       login + password (+ code for staff) -> token and expiry
POST /api/auth/logout/      revoke the token of this request (or end this session)
POST /api/auth/logout-all/  revoke every token and end every session of the caller
"""

from __future__ import annotations

from typing import Any

from allauth.account.utils import has_verified_email
from allauth.mfa.base.forms import AuthenticateForm
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, validated
from clinic.auth import has_totp
from clinic.errors import DomainError, Forbidden, Invalid
from clinic.second_factor import second_factor_refusal
from clinic.security import end_sessions
from clinic.tokens import api_token_issue, api_token_revoke, api_tokens_revoke


class TooManyAttempts(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "too_many_attempts"


class TokenLoginIn(StrictSerializer):
    login = serializers.CharField(
        max_length=254, help_text=gettext_lazy("Username or email address.")
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    code = serializers.CharField(
        max_length=64,
        required=False,
        help_text=gettext_lazy("The authenticator app's current code: required for staff."),
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


def check_login(request: Request, *, login: str, password: str, code: str | None) -> Any:
    """The person these credentials prove, or a DomainError. The password goes through
    Django's authenticate() (django-axes counts failures and refuses a locked login);
    the code through allauth's form, which also counts wrong codes per account in the
    shared cache and refuses them all at the limit, on the web and here alike."""
    user = authenticate(request, username=login, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise TooManyAttempts(_("Too many failed logins: try again later."))
        raise Invalid(_("Wrong login or password."), code="invalid_credentials")
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not has_verified_email(user):
        # as the web login: no way in before the email address is confirmed
        raise Forbidden(_("Confirm your email address first."), code="email_unverified")
    if not has_totp(user):
        refusal = second_factor_refusal(user, proven=False)
        if refusal is not None:  # staff without an authenticator app
            raise Forbidden(refusal.message, code=refusal.code)
        return user
    if not code:
        message = _("Give the code your authenticator app shows.")
        raise Invalid(message, code="code_required", fields={"code": [message]})
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        errors = form.errors.as_data().get("code", [])
        message = " ".join(str(m) for e in errors for m in e.messages)
        if any(e.code == "too_many_login_attempts" for e in errors):
            raise TooManyAttempts(message)
        raise Invalid(message, code="incorrect_code", fields={"code": [message]})
    form.authenticator.record_usage()
    return user


class TokenLoginView(APIView):
    """Exchange credentials for an API token."""

    authentication_classes: list = []  # credentials are in the body; a stale token is no matter
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenLoginIn,
        responses={200: TokenOut},
        auth=[],
        summary="Get an API token",
        description=(
            "Username or email and password; staff (and anyone who set up an authenticator "
            "app) also give the current `code`. As on the web, the email address must be "
            "confirmed (403 `email_unverified`). The token expires at `expiry`. Wrong "
            "passwords lock the login (429) as on the web; wrong codes lock the code step "
            "of the account for a while (429), on the web too."
        ),
    )
    def post(self, request: Request) -> Response:
        data = validated(TokenLoginIn, request)
        user = check_login(
            request, login=data["login"], password=data["password"], code=data.get("code")
        )
        token, expiry = api_token_issue(user=user)
        # Seen by django-axes (resets this login's failures) and the auth log.
        user_logged_in.send(sender=AuthToken, request=request, user=user)
        return Response(TokenOut({"token": token, "expiry": expiry}).data)


class LogoutView(APIView):
    """Revoke the token this request carries (or end this session)."""

    @extend_schema(request=None, responses={204: None}, summary="Log out this token")
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            api_token_revoke(token=request.auth)
        else:
            logout(request)  # type: ignore[arg-type]  # a session: as /accounts/logout/
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the caller and end all their sessions."""

    @extend_schema(request=None, responses={204: None}, summary="Log out everywhere")
    def post(self, request: Request) -> Response:
        user = request.user
        api_tokens_revoke(user_id=user.pk)
        end_sessions(user, keep=None)
        user_logged_out.send(sender=type(user), request=request, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
