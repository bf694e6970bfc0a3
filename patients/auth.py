"""Authentication that loads the user with their roles (and patient record) in one query.

Every request asks "which role is this?"; without this that is a second and third query.
It lives with the patients because the query joins the patient record a login belongs to.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from clinic.auth import TOTP
from clinic.roles import Role
from patients.models import Patient


@dataclass(frozen=True)
class _UserSql:
    attnames: list[str]
    select: str  # ends with "FROM <user table> u"
    pk: str  # the user table's primary key, quoted


@functools.cache
def _user_sql() -> _UserSql:
    """The user's columns, their roles, their own patient record's id and whether they
    have an authenticator app (the staff second factor), as one SELECT.

    Written out once rather than compiled by the ORM on every request: this runs for
    every authenticated request, and the annotated queryset cost more to build than the
    query took to run. Identifiers come from the models' metadata; values are parameters."""
    from allauth.mfa.models import Authenticator

    q = connection.ops.quote_name
    user = get_user_model()._meta
    groups = user.get_field("groups")
    member = groups.remote_field.through._meta
    group = groups.related_model._meta
    patient = Patient._meta
    pk = q(user.pk.column)
    roles = (
        f"ARRAY(SELECT g.{q('name')} FROM {q(member.db_table)} m "  # noqa: S608
        f"JOIN {q(group.db_table)} g ON g.{q(group.pk.column)} = m.{q(groups.m2m_reverse_name())} "
        f"WHERE m.{q(groups.m2m_column_name())} = u.{pk})"
    )
    own_patient = (
        f"(SELECT p.{q(patient.pk.column)} FROM {q(patient.db_table)} p "  # noqa: S608
        f"WHERE p.{q(patient.get_field('user').column)} = u.{pk} "
        f"AND p.{q(patient.get_field('merged_into').column)} IS NULL "
        f"ORDER BY p.{q(patient.pk.column)} LIMIT 1)"
    )
    has_totp = (
        f"EXISTS(SELECT 1 FROM {q(Authenticator._meta.db_table)} a "  # noqa: S608
        f"WHERE a.{q(Authenticator._meta.get_field('user').column)} = u.{pk} "
        f"AND a.{q('type')} = %s)"
    )
    columns = ", ".join(f"u.{q(f.column)}" for f in user.concrete_fields)
    return _UserSql(
        attnames=[f.attname for f in user.concrete_fields],
        select=f"SELECT {columns}, {roles}, {own_patient}, {has_totp} "  # noqa: S608
        f"FROM {q(user.db_table)} u",
        pk=pk,
    )


def _user_from_row(row: tuple) -> Any:
    n = len(_user_sql().attnames)
    user = get_user_model().from_db(connection.alias, _user_sql().attnames, row[:n])
    user._clinic_has_totp = row[n + 2]
    return _attach(user, row[n], row[n + 1])


def _attach(user: Any, role_names: list[str | None], patient_id: int | None) -> Any:
    user._clinic_roles = frozenset(Role(n) for n in role_names if n in Role._value2member_map_)
    user._clinic_patient_id = patient_id if Role.PATIENT in user._clinic_roles else None
    return user


class RoleAwareBackend(ModelBackend):
    """The session user, with roles, in one query."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None  # a session naming no valid user id
        with connection.cursor() as cursor:
            sql = _user_sql()
            cursor.execute(f"{sql.select} WHERE u.{sql.pk} = %s", [TOTP, pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = _user_from_row(row)
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _token_sql() -> str:
    q, sql, token = connection.ops.quote_name, _user_sql(), Token._meta
    return (
        f"{sql.select} JOIN {q(token.db_table)} t "
        f"ON t.{q(token.get_field('user').column)} = u.{sql.pk} WHERE t.{q('key')} = %s"
    )


class RoleAwareTokenAuthentication(TokenAuthentication):
    """DRF token auth (`Authorization: Token <key>`), user and roles in one query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(), [TOTP, key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        user = _user_from_row(row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token = Token.from_db(connection.alias, ["key", "user_id"], [key, user.pk])
        token.user = user
        return user, token
