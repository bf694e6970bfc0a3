"""Row Q: SQL queries per request, counted in-process on the bench database.

python -m bench.queries <info.json> -> prints {"A1": n, "A14": n, "W": n}
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.requests import availability_paths  # noqa: E402


def count(client: Client, method: str, path: str, **kwargs) -> int:
    getattr(client, method)(
        path, **kwargs
    )  # warm: the calendar configuration is cached per process
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.content[:300])
    return len(ctx.captured_queries)


def main() -> None:
    info = json.loads(Path(sys.argv[1]).read_text())
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {info['token']}")
    a1, a14 = availability_paths(info, timezone.localdate() + timedelta(days=3))
    bodies = info["bookings"][-2:]  # the last ones: wrk never gets that far
    client.post("/api/appointments/", json.dumps(bodies[0]), content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/appointments/", json.dumps(bodies[1]), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    # Read now: the next request's request_started signal clears the connection's log.
    writes = len(ctx.captured_queries)
    result = {"A1": count(client, "get", a1), "A14": count(client, "get", a14), "W": writes}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
