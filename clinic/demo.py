"""The demo clinic of SPEC S7. Every step is get-or-create, so loading twice is harmless."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = os.environ.get("CLINIC_DEMO_PASSWORD", "demo-clinic-2026")

# username -> (first name, last name, role)
DEMO_USERS: dict[str, tuple[str, str, str]] = {
    "manager": ("Maria", "Koval", "manager"),
    "reception": ("Olena", "Shevchenko", "reception"),
    "dermatologist": ("Iryna", "Melnyk", "dermatologist"),
    "patient1": ("Anna", "Bondarenko", "patient"),
    "patient2": ("Oksana", "Tkachenko", "patient"),
    "patient3": ("Petro", "Kravets", "patient"),
}


def _user(username: str) -> object:
    first, last, _role = DEMO_USERS[username]
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def load() -> str:
    users = {name: _user(name) for name in DEMO_USERS}
    return f"{len(users)} users"


def logins_table() -> str:
    rows = [f"  {'login':<15}{'role':<15}password"]
    rows += [f"  {name:<15}{role:<15}{DEMO_PASSWORD}" for name, (_, _, role) in DEMO_USERS.items()]
    return "Demo logins:\n" + "\n".join(rows)
