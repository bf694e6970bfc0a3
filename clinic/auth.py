"""The staff second factor as the login code sees it: does this user have an
authenticator app? (Cached with the user's roles: clinic.access.)"""

from __future__ import annotations

from typing import Any

from clinic.access import TOTP, access_of

__all__ = ["TOTP", "has_totp"]


def has_totp(user: Any) -> bool:
    return access_of(user).has_totp
