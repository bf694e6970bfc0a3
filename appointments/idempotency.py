"""Idempotency-Key for booking writes: a replay returns the first result; the same key
with a different body is refused (422). A key is remembered for IDEMPOTENCY_KEY_HOURS
(24 h, as payment APIs do): after that it is a new request, and beat deletes the old row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from appointments.models import IdempotencyKey
from clinic.errors import DomainError, Invalid, api_exception_handler

HEADER = "Idempotency-Key"


class KeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"


def _digest(request: Request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = repr(request.data)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _storable(data: object) -> object:
    """The response as JSON PostgreSQL can store: jsonb refuses the NUL character, which an
    error message may echo back from the request."""
    return json.loads(json.dumps(data, default=str).replace("\\u0000", "\\ufffd"))


def idempotent(request: Request, compute: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return compute()
    if len(key) > 200:
        raise Invalid(
            _("Idempotency-Key is at most 200 characters."), fields={HEADER: [_("Too long.")]}
        )
    digest = _digest(request)
    with transaction.atomic():
        with connection.cursor() as cursor:  # the same key waits for the first request
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{request.user.pk}:{key}"]
            )
        remembered = IdempotencyKey.objects.filter(user=request.user, key=key)
        remembered.filter(created_at__lt=_window_start()).delete()  # past its window
        first = remembered.first()
        if first is not None:
            if first.request_hash != digest:
                raise KeyReused(_("This Idempotency-Key was used with a different request."))
            return Response(
                first.body, status=first.status_code, headers={"Idempotent-Replayed": "true"}
            )
        try:
            with transaction.atomic():
                response = compute()
        except (DomainError, APIException) as exc:
            response = api_exception_handler(exc, {})
        IdempotencyKey.objects.create(
            user=request.user,
            key=key,
            request_hash=digest,
            status_code=response.status_code,
            body=_storable(response.data),
        )
        return response


def _window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def prune_expired(*, now: datetime | None = None) -> int:
    """Delete the keys older than their replay window; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=_window_start(now)).delete()
    return deleted
