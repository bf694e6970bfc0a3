"""The API's authenticators: each is a DRF authenticator that, once it has accepted a
credential, applies the staff second-factor rule (clinic.second_factor).

The rule is applied where DRF authenticates, not in a permission class, because views
choose their own permission classes (AllowAny for the catalog, role permissions
elsewhere) and one left out would open the door. Every API view authenticates with these
(tests/clinic/test_api_tokens.py walks the URLs to hold that).

(Imports no DRF views: DRF's settings import this module while rest_framework.views
loads.)"""

from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.request import Request

from clinic.second_factor import second_factor_refusal, session_passed_mfa


class SecondFactorRule:
    """Mixin for a DRF authenticator: once it has accepted a credential, the staff
    second-factor rule decides (403 `second_factor_required`). An authenticator added
    later takes this mixin and says how its credential proves the second factor; until it
    does, staff are refused (`proves_second_factor` is False)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)  # type: ignore[misc]
        if found is None:
            return None
        user, credential = found
        refusal = second_factor_refusal(
            user, proven=self.proves_second_factor(request, user, credential)
        )
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal.message, code=refusal.code)
        return found

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return False


class TokenAuthentication(SecondFactorRule, KnoxTokenAuthentication):
    """`Authorization: Token <token>` (django-rest-knox: hashed, expiring, revocable)."""

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return True  # issued only after the second factor: clinic.tokens


class SessionAuthentication(SecondFactorRule, DrfSessionAuthentication):
    """The pages' session (with DRF's CSRF check)."""

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return session_passed_mfa(request, user)  # type: ignore[arg-type]  (it proxies .session)
