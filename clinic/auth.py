"""The staff second factor as the login code sees it: does this user have an
authenticator app? (patients.auth loads the answer with the user in its one query.)"""

from __future__ import annotations

from typing import Any

TOTP = "totp"  # allauth's Authenticator.Type.TOTP


def has_totp(user: Any) -> bool:
    """Whether the user has an authenticator app; known from the login query when the
    user came through one of the backends in patients.auth."""
    known = getattr(user, "_clinic_has_totp", None)
    if known is None:
        from allauth.mfa.utils import is_mfa_enabled

        known = user._clinic_has_totp = is_mfa_enabled(user, [TOTP])
    return known
