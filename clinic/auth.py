"""Authentication that loads the user with their roles (and patient record) in one query.

Every request asks "which role is this?"; without this that is a second and third query.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import OuterRef, Subquery, Value
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from clinic.roles import Role


def _with_roles(users: Any) -> Any:
    from patients.models import Patient

    patient = Patient.objects.filter(user=OuterRef("pk"), merged_into__isnull=True).values("id")[:1]
    return users.annotate(
        role_names=ArrayAgg("groups__name", distinct=True, default=Value([])),
        own_patient_id=Subquery(patient),
    )


def _attach(user: Any, role_names: list[str | None], patient_id: int | None) -> Any:
    user._clinic_roles = frozenset(Role(n) for n in role_names if n in Role._value2member_map_)
    user._clinic_patient_id = patient_id if Role.PATIENT in user._clinic_roles else None
    return user


class RoleAwareBackend(ModelBackend):
    """The session user, with roles, in one query."""

    def get_user(self, user_id: Any) -> Any:
        row = _with_roles(get_user_model()._default_manager.filter(pk=user_id)).first()
        if row is None or not self.user_can_authenticate(row):
            return None
        return _attach(row, row.role_names, row.own_patient_id)


class RoleAwareTokenAuthentication(TokenAuthentication):
    """DRF token auth (`Authorization: Token <key>`), user and roles in one query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        from patients.models import Patient

        patient = Patient.objects.filter(user=OuterRef("user_id"), merged_into__isnull=True).values(
            "id"
        )[:1]
        token = (
            Token.objects.select_related("user")
            .annotate(
                role_names=ArrayAgg("user__groups__name", distinct=True, default=Value([])),
                own_patient_id=Subquery(patient),
            )
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        _attach(token.user, token.role_names, token.own_patient_id)
        return token.user, token
