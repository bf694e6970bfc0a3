"""Health endpoints: liveness (/healthz) and readiness (/api/health/)."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import health
from clinic.errors import error_body


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: one SELECT 1 and nothing else (also the benchmark's baseline)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


_check = inline_serializer(
    "HealthCheck", {"ok": serializers.BooleanField(), "detail": serializers.CharField()}
)
_health = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok"]),
        "checks": inline_serializer(
            "HealthChecks", {"database": _check, "redis": _check, "worker": _check}
        ),
        "beat_last_run": serializers.CharField(allow_null=True),
        "time": serializers.DateTimeField(),
    },
)


class HealthView(APIView):
    """Readiness: database, Redis and a Celery worker. 503 names what is down."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: _health, 503: OpenApiResponse(description="Something is down")})
    def get(self, request: Request) -> Response:
        checks = health.readiness()
        payload = {
            "status": "ok",
            "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
            "beat_last_run": health.last_beat() if checks["redis"].ok else None,
            "time": health.now_iso(),
        }
        down = [name for name, c in checks.items() if not c.ok]
        if not down:
            return Response(payload)
        message = "Down: " + ", ".join(f"{name} ({checks[name].detail})" for name in down)
        body = error_body("unavailable", message, down=down, checks=payload["checks"])
        return Response(body, status=503)
