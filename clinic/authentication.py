"""The API's authenticators: each is a DRF authenticator that, once it has accepted a
credential, applies the staff second-factor rule (clinic.second_factor).

The rule is applied where DRF authenticates, not in a permission class, because views
choose their own permission classes (AllowAny for the catalog, role permissions
elsewhere) and one left out would open the door. Every API view authenticates with these
(tests/clinic/test_api_tokens.py walks the URLs to hold that).

(Imports no DRF views: DRF's settings import this module while rest_framework.views
loads.)"""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.request import Request

from clinic.access import user_of
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
    """`Authorization: Token <token>` (django-rest-knox: hashed, expiring, revocable).

    The token check is one query (the token's row alone) and one SHA-512 hash; its user
    comes from the shared cache of users (clinic.access.user_of), as a session's does. The
    token itself is read from the database on every request, so a revoked one is refused
    on the next request everywhere. knox's own check also reads all the user's other
    tokens on every request to delete the expired ones: one query more, which took the
    booking request (benchmark row W) from 8 to 9 queries, over the bar of 8. Here an
    expired token is refused (and deleted) when it is used, and beat deletes the others
    nightly (clinic.tasks.clear_expired_tokens)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        text = token.decode("utf-8", errors="replace")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        now = timezone.now()
        rows = AuthToken.objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
        for row in rows.values_list(*_TOKEN_FIELDS):
            found = AuthToken.from_db(rows.db, _TOKEN_FIELDS, row)
            if not compare_digest(digest, found.digest):
                continue
            if found.expiry is not None and found.expiry < now:
                found.delete()
                break
            user = user_of(found.user_id)
            if user is None:
                break
            found.user = user
            return self.validate_user(found)  # knox's: refuses an inactive user
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return True  # issued only after the second factor: clinic.tokens


_TOKEN_FIELDS = tuple(f.attname for f in AuthToken._meta.concrete_fields)


class SessionAuthentication(SecondFactorRule, DrfSessionAuthentication):
    """The pages' session (with DRF's CSRF check)."""

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return session_passed_mfa(request, user)  # type: ignore[arg-type]  (it proxies .session)
