"""A link in a real message opens on the server the clinic runs: the worker composes the
email with CLINIC_BASE_URL, the SMTP server receives it, and the production WSGI server
(gunicorn, as `make run` and the deployment run it) answers the link."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.conftest import RedisServer, child_env, free_port, wait_until
from tests.factories import consult, patient, screen
from tests.messaging.conftest import FAST, CeleryProcess, Outbox
from tests.messaging.helpers import book
from tests.messaging.smtp import RecordingSMTPServer
from tests.servers import start_gunicorn, stop_gunicorn

pytestmark = pytest.mark.slow


@dataclass
class Served:
    base_url: str
    outbox: Outbox
    web: subprocess.Popen


@pytest.fixture
def served(live_db, redis_server: RedisServer, tmp_path: Path) -> Iterator[Served]:
    """gunicorn on a port of its own, and a worker and beat told that address."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    smtp = RecordingSMTPServer()
    smtp.start()
    env = child_env(
        REDIS_URL=redis_server.url,
        CLINIC_BASE_URL=base_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        **FAST,
    )
    web = start_gunicorn(env, tmp_path / "web.log")
    box = Outbox(
        redis=redis_server,
        worker=CeleryProcess("worker", tmp_path / "worker.log", env),
        beat=CeleryProcess("beat", tmp_path / "beat.log", env),
        smtp=smtp,
    )
    yield Served(base_url, box, web)
    box.stop()
    smtp.stop()
    stop_gunicorn(web)


def _text(email) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def test_the_confirm_link_of_a_delivered_email_opens_on_the_clinics_server(served):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)
    consult(p)
    book(clinic, p, local(days_ahead(3), 10))
    served.outbox.start()
    assert wait_until(lambda: served.outbox.smtp.count() >= 1, timeout=45), served.outbox.log()

    text = _text(served.outbox.smtp.received[0].email)
    links = re.findall(r"https?://\S+/messages/link/\S+/", text)

    assert links, text
    assert all(link.startswith(served.base_url + "/messages/link/") for link in links)
    with urllib.request.urlopen(links[0], timeout=10) as response:  # noqa: S310 (our server)
        page = response.read().decode()
    assert response.status == 200
    assert "Microcurrent therapy, face" in page and "<form" in page
