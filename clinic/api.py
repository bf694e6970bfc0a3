"""Pieces every API module uses: role permissions, strict input, the actor of a request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clinic.audit import Actor
from clinic.roles import Action, can_ever


def requires(*actions: Action) -> type[BasePermission]:
    """A DRF permission: 401 when anonymous, 403 when the role can never take the action."""

    class RolePermission(BasePermission):
        message = _("Your role may not do this.")

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated) and all(
                can_ever(request.user, a) for a in actions
            )

    RolePermission.__name__ = "Requires_" + "_".join(a.name for a in actions)
    return RolePermission


def actor_of(request: Request) -> Actor:
    return Actor.from_request(request)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of silently dropping them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


def validated(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any
) -> dict:
    """The request body checked by `serializer_class`; a ValidationError (400) otherwise."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
