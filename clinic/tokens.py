"""API tokens (django-rest-knox): issued only through `api_token_issue`, they expire and
are revoked when the person's credentials or standing change.

Why knox rather than DRF's `authtoken`: knox stores only a hash of each token, gives a
person several tokens (one per device), and every token has an expiry. Checking one costs
one SHA-512 hash and, once its user's facts are cached, no query (its row is among them):
clinic.authentication.

The rule of the second factor (clinic.security) holds for tokens because a token is the
proof: a staff member (or anyone with an authenticator app) gets one only with their
password and a current code (clinic.token_api), or from `manage.py drf_create_token`,
which the server's operator runs. Whatever could make a token outlive that proof revokes
it: a new password, logging out everywhere, deactivation, the authenticator removed, and
becoming staff (a patient's token never proved a second factor).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from clinic.access import TOTP
from clinic.roles import STAFF_ROLES, is_staff_member


def token_ttl(user: Any) -> timedelta:
    """How long a new token of `user` lasts: a working day for staff (they read clinical
    records), longer for patients (their app stays logged in)."""
    if is_staff_member(user):
        return timedelta(hours=settings.API_TOKEN_STAFF_HOURS)
    return timedelta(days=settings.API_TOKEN_PATIENT_DAYS)


def api_token_issue(*, user: Any) -> tuple[str, datetime]:
    """A new token for `user` and its expiry. The caller has checked the credentials,
    including the second factor (see the module docstring)."""
    instance, token = AuthToken.objects.create(user=user, expiry=token_ttl(user))
    return token, instance.expiry


def api_token_revoke(*, token: AuthToken) -> None:
    token.delete()


def api_tokens_revoke(*, user_id: int | None) -> int:
    """Revoke every token of the user (deleted: a revoked token cannot come back)."""
    if user_id is None:
        return 0
    deleted, _ = AuthToken.objects.filter(user_id=user_id).delete()
    return deleted


def api_tokens_clear_expired() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


def _on_user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not instance.is_active:  # deactivated (knox also refuses an inactive user's token)
        api_tokens_revoke(user_id=instance.pk)


def _on_authenticator_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """The app that proved the tokens is gone: a new one must prove new tokens."""
    if instance.type == TOTP:
        api_tokens_revoke(user_id=instance.user_id)


def _on_membership(sender: Any, instance: Any, action: str, reverse: bool, pk_set, **kw) -> None:
    """Becoming staff: tokens issued before never proved a second factor."""
    if action != "post_add" or not pk_set:
        return
    from django.contrib.auth.models import Group

    if reverse:  # group.user_set.add(users)
        if instance.name in STAFF_ROLES:
            for user_id in pk_set:
                api_tokens_revoke(user_id=user_id)
    elif Group.objects.filter(pk__in=pk_set, name__in=STAFF_ROLES).exists():
        api_tokens_revoke(user_id=instance.pk)


def connect_receivers() -> None:
    """(ClinicConfig.ready)"""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    user = get_user_model()
    post_save.connect(_on_user_saved, sender=user, dispatch_uid="tokens-user-save")
    post_delete.connect(
        _on_authenticator_deleted, sender=Authenticator, dispatch_uid="tokens-authenticator"
    )
    m2m_changed.connect(_on_membership, sender=user.groups.through, dispatch_uid="tokens-groups")
