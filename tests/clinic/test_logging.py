"""Logs as a deployment reads them: one JSON object a line from the production server and
the worker, each with the id of the request it belongs to; the id comes back in the
X-Request-ID header and follows a booking to the worker that sends its email. Errors go
to an error tracker when SENTRY_DSN is set."""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import brotli
import pytest

from tests.conftest import ROOT, VENV_BIN, child_env, free_port, wait_until
from tests.servers import start_gunicorn, stop_gunicorn

pytestmark = pytest.mark.slow


def json_lines(text: str) -> list[dict]:
    """Every line as JSON; a line that is not JSON fails the test, naming it."""
    records = []
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON log line: {line!r}")
    return records


def test_the_server_logs_json_lines_that_name_the_request(live_db, tmp_path: Path):
    port, log = free_port(), tmp_path / "web.log"
    env = child_env(GUNICORN_BIND=f"127.0.0.1:{port}")
    web = start_gunicorn(env, log)
    try:
        assert wait_until(lambda: "Booting worker" in log.read_text(), timeout=30)
        given = uuid.uuid4().hex
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/no-such-page/", headers={"X-Request-ID": given}
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (our server)
        assert answer.value.code == 404
        assert answer.value.headers["X-Request-ID"] == given
        assert wait_until(lambda: "Not Found" in log.read_text(), timeout=10)
    finally:
        stop_gunicorn(web)

    records = json_lines(log.read_text())
    [not_found] = [r for r in records if r["message"].startswith("Not Found: /no-such-page/")]
    assert (not_found["level"], not_found["request_id"]) == ("WARNING", given)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert any(f"request_id={given}" in r["message"] for r in access)


def test_a_made_up_request_id_is_replaced_by_a_new_one(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="</script> injected")
    assert response["X-Request-ID"] != "</script> injected"
    assert uuid.UUID(response["X-Request-ID"])


class _Collector(BaseHTTPRequestHandler):
    """A stand-in error tracker: keeps what is posted to its envelope endpoint."""

    received: list[bytes] = []

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # sentry-sdk compresses with brotli when it is installed (WeasyPrint brings it).
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        _Collector.received.append(self.path.encode() + b"\n" + body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_error_goes_to_the_error_tracker_without_patient_data_when_a_dsn_is_set(db):
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
    script = (
        "import logging\n"
        "finding = '-'.join(['Epilepsy', 'patient Olena'])  # made at run time\n"
        "try:\n"
        "    raise RuntimeError('delivery failed')\n"
        "except RuntimeError:\n"
        "    logging.getLogger('messaging.delivery').exception('message 7 not delivered')\n"
    )
    try:
        subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=child_env(SENTRY_DSN=dsn),
            check=True,
            capture_output=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    sent = b"".join(_Collector.received)
    assert b"/api/42/envelope/" in sent
    assert b"delivery failed" in sent and b"message 7 not delivered" in sent
    assert b"Epilepsy-patient Olena" not in sent  # local variables stay here
