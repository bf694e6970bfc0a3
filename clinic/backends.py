"""The login backend: allauth's (a username or an email with the password), with the
logged-in user of each request read from the shared cache.

Django's ModelBackend loads a session's user with one query on every request. Here that
user comes from the row cached with the user's access facts under their per-user version
(clinic.access.user_of): committed changes of the user move the version, so every process
and host sees them on the next request, as with the query."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async

from clinic.access import user_of


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> Any | None:
        user = user_of(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id: Any) -> Any | None:
        return await sync_to_async(self.get_user)(user_id)
