"""Model permissions of each role group, for the Django admin (the manager's settings).

Object-level rules live in clinic.roles; these only open admin screens. Kept in step
after every migrate, so a new model's permissions are granted by editing this table.
"""

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# role -> list of (app_label, model or "*", actions)
GROUP_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "manager": [
        ("treatments", "*", ("view", "add", "change", "delete")),
        ("appointments", "practitioner", ("view", "add", "change")),
        ("appointments", "room", ("view", "add", "change", "delete")),
        ("appointments", "device", ("view", "add", "change", "delete")),
        ("appointments", "deviceoutage", ("view", "add", "change", "delete")),
        ("appointments", "workinghours", ("view", "add", "change", "delete")),
        ("appointments", "workingexception", ("view", "add", "change", "delete")),
        ("appointments", "openinghours", ("view", "add", "change", "delete")),
        ("appointments", "closure", ("view", "add", "change", "delete")),
        ("appointments", "clinicpolicy", ("view", "change")),
        ("patients", "consenttext", ("view", "add")),
        ("patients", "form", ("view", "add", "change")),
        ("patients", "formversion", ("view", "add", "change", "delete")),
        ("patients", "question", ("view", "add", "change", "delete")),
        ("clinic", "auditevent", ("view",)),
    ],
    "reception": [],
    "dermatologist": [],
    "patient": [],
}


def sync_group_permissions(sender: Any = None, **kwargs: Any) -> None:
    # post_migrate is sent once per app that has models; permissions of every app exist
    # only after the last of them.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and sender.label != with_models[-1].label:
        return
    for group_name, rules in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        query = Q(pk__in=[])
        for app_label, model, actions in rules:
            cond = Q(content_type__app_label=app_label)
            if model != "*":
                cond &= Q(content_type__model=model)
            codename = Q()
            for action in actions:
                codename |= Q(codename__startswith=f"{action}_")
            query |= cond & codename
        group.permissions.set(Permission.objects.filter(query))
