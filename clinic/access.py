"""What every request asks about its user, kept in the shared cache per user: the user's
own row, their groups (clinic.roles makes roles of them), their own patient record,
whether they have an authenticator app, and their API tokens' rows.

Django's stock backends load the user (one query) and these facts would cost three more
on every request, so they are cached under a key that names a per-user version:

    clinic:access:v:<user id>          -> a random version, made when missing
    clinic:facts:<user id>:<version>   -> (group names, patient id, has authenticator app,
                                           the user's row, their API tokens' rows)

The logged-in user of a session (clinic.backends) and of an API token
(clinic.authentication) is made from that row (`user_of`), so a request that knows its
user's version already asks the database nothing about them. An API token is checked
against the token rows of those facts: the token's key (its first characters, which
never change) names its user, which each process remembers (`token_owners`), and the
facts say whether the token is still there. The row holds what the database holds, the
password hash and the tokens' hashes included; the cache is as private as the database
and holds the sessions already (README, "Deploying on several hosts").

Any change that alters them (group membership, the patient record's login or merge, an
authenticator added or removed, a token issued or revoked, the user saved) deletes the
version key once its transaction has committed, so the next request on every process and
host reads afresh: a revoked token is refused at its next request everywhere. The
version is read before the database: a reader that raced a change and cached the old
facts cached them under the old version, which nobody reads any more. A change made
without the ORM's signals (a queryset `update()` of users or tokens, raw SQL) must call
`forget(user_id)` itself.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import router, transaction
from knox.models import AuthToken

TOTP = "totp"  # allauth's Authenticator.Type.TOTP
TIMEOUT = 3600  # seconds; a change invalidates at once, this only bounds memory


@dataclass(frozen=True)
class Access:
    groups: frozenset[str]  # their names
    patient_id: int | None
    has_totp: bool
    row: tuple = ()  # the user's concrete fields (user_fields()) as read under this version
    tokens: tuple[tuple, ...] = ()  # their API tokens' rows (TOKEN_FIELDS)


NOBODY = Access(frozenset(), None, False)
_ATTR = "_clinic_access"


def _version_key(user_id: int) -> str:
    return f"clinic:access:v:{user_id}"


def _facts_key(user_id: Any, version: str) -> str:
    # Named apart from the shapes that the code before it kept ("clinic:access:<id>:<v>"
    # without the row, "clinic:user:<id>:<v>" without the tokens), so hosts of both can run
    # side by side in an upgrade.
    return f"clinic:facts:{user_id}:{version}"


def access_of(user: Any) -> Access:
    """The user's access facts, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return NOBODY
    known = getattr(user, _ATTR, None)
    if known is None:
        known = _cached(user.pk) or NOBODY  # NOBODY: the user was deleted meanwhile
        setattr(user, _ATTR, known)
    return known


def user_of(user_id: Any) -> Any | None:
    """The user with this id as committed under their current version, made from the
    cached row (no query once this version was read), or None if there is none. Its
    access facts come with it."""
    access = _cached(user_id)
    if access is None:
        return None
    model = get_user_model()
    user = model.from_db(router.db_for_read(model), user_fields(), access.row)
    setattr(user, _ATTR, access)
    return user


@functools.cache
def user_fields() -> tuple[str, ...]:
    """The user model's concrete fields, in the order of the cached row."""
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields)


TOKEN_FIELDS = tuple(f.attname for f in AuthToken._meta.concrete_fields)


def token_owners(token_key: str, *, recheck: bool = False) -> tuple[int, ...]:
    """The users with a token of this key (one, but for a collision of keys), remembered
    by the process: a token's key and user never change, and whether the token is still
    there is the user's facts' to say. `recheck` reads them again, for a token made since
    with a key this process knew; an unknown key is not remembered."""
    owners = None if recheck else _owners.get(token_key)
    if owners is None:
        owners = tuple(
            AuthToken.objects.filter(token_key=token_key).values_list("user_id", flat=True)
        )
        if owners:
            if len(_owners) >= _SEEN_MAX:
                _owners.clear()
            _owners[token_key] = owners
    return owners


# The facts under a version never change (a change makes a new version), so each process
# also keeps the last few it read: a request then asks the shared cache for the version
# only, one round trip instead of two.
_SEEN_MAX = 512
_seen: dict[tuple[Any, str], Access] = {}
_owners: dict[str, tuple[int, ...]] = {}  # token_owners()


def _cached(user_id: Any) -> Access | None:
    version = cache.get_or_set(_version_key(user_id), lambda: uuid.uuid4().hex, TIMEOUT)
    seen = _seen.get((user_id, version))
    if seen is not None:
        return seen
    key = _facts_key(user_id, version)
    found = cache.get(key)
    if found is not None:
        groups, patient_id, totp, row, tokens = found
        access = Access(frozenset(groups), patient_id, totp, tuple(row), tuple(tokens))
    else:
        access = _load(user_id)
        if access is None:
            return None
        facts = (
            sorted(access.groups),
            access.patient_id,
            access.has_totp,
            access.row,
            access.tokens,
        )
        cache.set(key, facts, TIMEOUT)
    if len(_seen) >= _SEEN_MAX:
        _seen.clear()
    _seen[(user_id, version)] = access
    return access


def _load(user_id: Any) -> Access | None:
    from allauth.mfa.utils import is_mfa_enabled

    model = get_user_model()
    row = model._default_manager.filter(pk=user_id).values_list(*user_fields()).first()
    if row is None:
        return None
    user = model.from_db(router.db_for_read(model), user_fields(), row)
    groups = frozenset(user.groups.values_list("name", flat=True))
    # Through the login's reverse one-to-one `patient` (patients.Patient.user): clinic
    # imports no app.
    patient_id = (
        model.objects.filter(pk=user_id, patient__merged_into__isnull=True)
        .values_list("patient__id", flat=True)
        .first()
    )
    tokens = tuple(AuthToken.objects.filter(user_id=user_id).values_list(*TOKEN_FIELDS))
    return Access(groups, patient_id, is_mfa_enabled(user, [TOTP]), tuple(row), tokens)


def forget(user_id: int | None) -> None:
    """Drop the user's cached access facts once the current transaction commits (at once
    outside one), and on this object-less path also now, for this process's next read."""
    if user_id is None:
        return
    key = _version_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)


def _forget_users(user_ids: Any) -> None:
    for user_id in user_ids or ():
        forget(user_id)


def _on_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget(instance.pk)


def _on_owned(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A row that names a user (`user_id`): an authenticator, an API token, a patient
    record."""
    forget(getattr(instance, "user_id", None))


def _on_membership(sender: Any, instance: Any, action: str, reverse: bool, pk_set, **kw) -> None:
    if action in ("post_add", "post_remove"):
        _forget_users(pk_set if reverse else [instance.pk])
    elif action == "pre_clear":  # the members are known only before the clear
        _forget_users(instance.user_set.values_list("pk", flat=True) if reverse else [instance.pk])


def _on_group(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A role group renamed or deleted: every member's roles change."""
    if instance.pk is not None:
        _forget_users(list(instance.user_set.values_list("pk", flat=True)))


def forget_on_change(*models: type) -> None:
    """Forget a user's access facts whenever a row of `models` that names them (`user_id`)
    is saved or deleted: an app calls this for its own models that feed the facts."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        post_save.connect(_on_owned, sender=model, dispatch_uid=f"access-{model.__name__}-s")
        post_delete.connect(_on_owned, sender=model, dispatch_uid=f"access-{model.__name__}-d")


def connect_receivers() -> None:
    """The user, their groups, allauth's authenticators and the API tokens
    (ClinicConfig.ready)."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    user = get_user_model()
    forget_on_change(Authenticator, AuthToken)
    post_save.connect(_on_user, sender=user, dispatch_uid="access-user-save")
    post_delete.connect(_on_user, sender=user, dispatch_uid="access-user-delete")
    m2m_changed.connect(_on_membership, sender=user.groups.through, dispatch_uid="access-groups")
    post_save.connect(_on_group, sender=Group, dispatch_uid="access-group-save")
    pre_delete.connect(_on_group, sender=Group, dispatch_uid="access-group-delete")
