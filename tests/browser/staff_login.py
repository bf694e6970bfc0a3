"""The one way the browser tests log a staff member in: `login_staff(page, live_server,
username, password)`. Every staff browser test goes through it, so a change to the staff
login (the second factor of issue 9, say) is made here once.

It fills allauth's login form. When the site then asks for an authenticator code (staff
use two-factor login), it enters the current TOTP code of the user's authenticator,
giving the user one first if they have none yet (as a staff member does on the first
login), so the page that follows is the one the test wanted.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from playwright.sync_api import Page

from tests.factories import totp_code, totp_counter

MFA_PATH = "/accounts/2fa/authenticate/"
_last_counter: dict[int, int] = {}


def _secret_for(user: Any) -> str | None:
    """The user's TOTP secret; an authenticator is added if the user has none."""
    if not apps.is_installed("allauth.mfa"):
        return None
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if found is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    return decrypt(found.data["secret"])


def _code(user_id: int, secret: str) -> str:
    """The current code, not too close to the end of its period; a code is accepted once,
    so a second login of the same user in the same 30-second period waits for the next."""
    code = totp_code(secret, not_counter=_last_counter.get(user_id))
    _last_counter[user_id] = totp_counter()
    return code


def login_staff(page: Page, live_server: Any, username: str, password: str) -> None:
    base = getattr(live_server, "url", live_server)
    user = get_user_model().objects.get(username=username)
    secret = _secret_for(user)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if MFA_PATH in page.url and secret is not None:
        code = page.locator("input[name=code]")
        code.fill(_code(user.pk, secret))
        code.press("Enter")
        page.wait_for_url(lambda url: MFA_PATH not in url)
