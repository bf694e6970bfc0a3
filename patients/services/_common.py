"""Helpers shared by the patients services."""

from typing import Any

from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import Forbidden
from clinic.roles import Action, can


def require(actor: Actor, action: Action, obj: Any = None) -> None:
    if not can(actor.user, action, obj):
        raise Forbidden(_("You may not do this."), code="forbidden")


def user_of(actor: Actor) -> Any:
    return actor.user if actor.user.is_authenticated else None
