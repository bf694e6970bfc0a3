"""The floor rows F0 and F1: what an API request of this stack costs before any work of
its own, so that rows W and P can be read against it.

Both are served by a second gunicorn run with `bench.floor_settings`: the production
settings with these two views added to the URLs (they are never in the app's own URLs).
Each takes row W's request (the same staff token, the same JSON body) through everything
the booking endpoint's request goes through before the booking itself:

- the whole middleware stack, DRF's dispatch, the token authenticator with its
  second-factor rule, a role permission and DRF's throttles;
- the booking's input checked by its own serializer (`BookInput`, strict JSON);
- a 201 JSON answer.

Then F0 asks PostgreSQL `SELECT 1`, like /healthz; F1 commits one transaction that inserts
one row into a bare table (`bench_floor`, made by `prepare()`) and returns its id: the
cheapest durable write there is. A booking does F1's work plus its own (the calendar
lock, the conflict read, placing, the insert under the exclusion constraints, its
messages, the full answer), so W can never be above F1.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api.serializers import BookInput
from clinic.api import requires, validated
from clinic.roles import Action
from clinic.urls import urlpatterns as app_urlpatterns


class FloorRead(APIView):
    """F0: authenticated, permitted, throttled, the body validated; `SELECT 1`."""

    permission_classes = [requires(Action.APPOINTMENT_BOOK)]

    def post(self, request: Request) -> Response:
        data = validated(BookInput, request)
        return Response({"id": self.work(data), "start": data["start"]}, status=201)

    def work(self, data: dict) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]


class FloorWrite(FloorRead):
    """F1: as F0, then one INSERT ... RETURNING committed in its own transaction."""

    def work(self, data: dict) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_floor (treatment_id, start) VALUES (%s, %s) RETURNING id",
                [data["treatment"], data["start"]],
            )
            return cursor.fetchone()[0]


urlpatterns = [
    path("bench/floor/read/", FloorRead.as_view()),
    path("bench/floor/write/", FloorWrite.as_view()),
    *app_urlpatterns,
]


def prepare() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, "
            "treatment_id bigint NOT NULL, start timestamptz NOT NULL)"
        )
        cursor.execute("TRUNCATE bench_floor")
