"""Readiness checks: the database, Redis, and a Celery worker answering a ping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

BEAT_KEY = "clinic:beat:last"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def _redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check(True, "ok")
    except Exception as exc:  # any failure means "down"; the message says which
        return Check(False, f"database unreachable: {exc.__class__.__name__}")


def check_redis() -> Check:
    try:
        _redis().ping()
        return Check(True, "ok")
    except redis.RedisError as exc:
        return Check(False, f"redis unreachable: {exc.__class__.__name__}")


def check_worker(timeout: float = 1.0) -> Check:
    from clinic.celery import app

    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:  # broker errors surface as several kombu/redis types
        return Check(False, f"worker unreachable: {exc.__class__.__name__}")
    if not replies:
        return Check(False, "no celery worker answered the ping")
    return Check(True, f"{len(replies)} worker(s) answered")


def readiness() -> dict[str, Check]:
    checks = {"database": check_database(), "redis": check_redis()}
    # Without a broker a ping can only time out; say so instead of waiting for it.
    checks["worker"] = (
        check_worker() if checks["redis"].ok else Check(False, "broker (redis) is down")
    )
    return checks


def record_beat(at: datetime) -> None:
    _redis().set(BEAT_KEY, at.isoformat(), ex=3600)


def last_beat() -> str | None:
    try:
        value = _redis().get(BEAT_KEY)
    except redis.RedisError:
        return None
    return value.decode() if value else None


def now_iso() -> str:
    return timezone.now().isoformat()
