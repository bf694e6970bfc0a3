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

from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.request import Request

from clinic.access import TOKEN_FIELDS, access_of, token_owners, user_of
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

    The token check asks the database nothing once the token is known: the token's key
    names its user (`token_owners`, remembered by the process), and the user's facts in
    the shared cache hold their tokens' rows (clinic.access), dropped everywhere when a
    token is issued or revoked. So a revoked token is refused at its next request on
    every host, as when the row was read each time. That read cost the booking request
    (bench row W) a query and a round trip to PostgreSQL, about 0.5 ms of the worker's
    4.5 ms of CPU (py-spy under the benchmark's load). knox's own check also reads all the
    user's other tokens on every request to delete the expired ones; here an expired
    token is refused (and deleted) when it is used, and beat deletes the others nightly
    (clinic.tasks.clear_expired_tokens)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        text = token.decode("utf-8", errors="replace")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        key = text[: CONSTANTS.TOKEN_KEY_LENGTH]
        owners = token_owners(key)
        found = _token_of(owners, key, digest)
        if found is None and owners:  # a token made since with a key this process knew
            found = _token_of(token_owners(key, recheck=True), key, digest)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if found.expiry is not None and found.expiry < timezone.now():
            found.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return self.validate_user(found)  # knox's: refuses an inactive user

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return True  # issued only after the second factor: clinic.tokens


def _token_of(owners: tuple[int, ...], key: str, digest: str) -> AuthToken | None:
    """The token with this key and hash among the owners' tokens, its user set."""
    for user_id in owners:
        user = user_of(user_id)
        if user is None:
            continue
        for row in access_of(user).tokens:
            found = AuthToken.from_db(router.db_for_read(AuthToken), TOKEN_FIELDS, row)
            if found.token_key == key and compare_digest(digest, found.digest):
                found.user = user
                return found
    return None


class SessionAuthentication(SecondFactorRule, DrfSessionAuthentication):
    """The pages' session (with DRF's CSRF check)."""

    def proves_second_factor(self, request: Request, user: Any, credential: Any) -> bool:
        return session_passed_mfa(request, user)  # type: ignore[arg-type]  (it proxies .session)
