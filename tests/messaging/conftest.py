"""Fixtures for the outbox: a real local SMTP server, and a real Celery worker and beat
on a throwaway Redis, all against the test database."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from celery import Celery

from messaging.sms import LocmemSmsBackend
from tests.appointments.clinic_setup import Clinic, build_clinic
from tests.conftest import ROOT, VENV_BIN, RedisServer, child_env, wait_until
from tests.factories import consult, patient, screen
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

# Fast clocks for the processes under test: a sweep every second, a claim of a dead
# worker recovered after 3 s, a lost broker task handed out again after 3 s.
FAST = {
    "MESSAGES_SWEEP_SECONDS": "1",
    "MESSAGES_CLAIM_LEASE_SECONDS": "3",
    "MESSAGES_REDISPATCH_SECONDS": "3",
    "MESSAGES_RETRY_BASE_SECONDS": "1",
}


@pytest.fixture
def smtp_server() -> Iterator[RecordingSMTPServer]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each command
    server = RecordingSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(smtp_server: RecordingSMTPServer):
    """In-process delivery to the recording server through Django's SMTP backend."""
    with delivering_to(smtp_server.port):
        yield smtp_server


# What differs between two copies of one message composed at different times: the time a
# link was signed at (in its token) and the .ics's DTSTAMP. Everything else is the same.
_SIGNED_AT = re.compile(r"(/messages/link/[0-9]+\.[a-z]+):[^/\s]+/")
_DTSTAMP = re.compile(r"^DTSTAMP:[^\r\n]*", re.MULTILINE)


def without_compose_time(text: str) -> str:
    return _DTSTAMP.sub("DTSTAMP:-", _SIGNED_AT.sub(r"\1:-/", text))


def message_text(email: EmailMessage) -> list[str]:
    """Each part of a received message (text, attachments) as text, with the time of
    composing masked: two copies of one outbox row give the same list."""
    parts = [email.get_body(("plain",)).get_content()]
    parts += [part.get_content() for part in email.iter_attachments()]
    return [without_compose_time(p if isinstance(p, str) else p.decode()) for p in parts]


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    LocmemSmsBackend.outbox.clear()
    yield
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def clinic(db) -> Clinic:
    return build_clinic(practitioners=2, rooms=2, devices=1)


@pytest.fixture
def cleared(db):
    """A patient cleared for the face treatment, email on, SMS off (the defaults)."""
    p = patient(preferred_language="uk")
    screen(p)
    consult(p)
    return p


def _pings(broker_url: str) -> bool:
    probe = Celery("probe", broker=broker_url, set_as_current=False)
    try:
        return bool(probe.control.ping(timeout=0.5))
    except Exception:  # the broker itself not up yet
        return False
    finally:
        probe.close()


class CeleryProcess:
    """`celery -A clinic <worker|beat>` in its own process group, on the given broker."""

    def __init__(self, kind: str, log: Path, env: dict[str, str]) -> None:
        self.kind, self.log, self.env = kind, log, env
        self.proc: subprocess.Popen | None = None

    def _command(self) -> list[str]:
        base = [str(VENV_BIN / "celery"), "-A", "clinic", self.kind, "--loglevel", "INFO"]
        if self.kind == "beat":
            return [
                *base,
                "--schedule",
                str(self.log.parent / "beat-schedule"),
                "--max-interval",
                "1",
            ]
        return [
            *base,
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"outbox-{os.getpid()}-{id(self)}@%h",
        ]

    def start(self, *, wait: bool = True) -> None:
        """A worker: with `wait`, return once it answers a ping."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self._command(),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.kind == "worker" and wait:
            ok = wait_until(lambda: _pings(self.env["REDIS_URL"]), timeout=30)
            assert ok, f"worker did not answer; log:\n{self.log.read_text()[-3000:]}"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@dataclass
class Outbox:
    """The delivery side, for real: Redis, a worker and beat, the SMTP server."""

    redis: RedisServer
    worker: CeleryProcess
    beat: CeleryProcess
    smtp: RecordingSMTPServer

    def start(self) -> None:
        self.worker.start()
        self.beat.start()

    def stop(self) -> None:
        self.beat.stop()
        self.worker.stop()

    def log(self) -> str:
        return (
            self.worker.log.read_text()[-4000:] + "\n--- beat\n" + self.beat.log.read_text()[-2000:]
        )


@contextmanager
def outbox_to_smtp(redis_server: RedisServer, tmp_path: Path, **settings: str) -> Iterator[Outbox]:
    """A worker and beat (not started) delivering to a recording SMTP server, with these
    settings for both."""
    smtp = RecordingSMTPServer()
    smtp.start()
    env = child_env(
        REDIS_URL=redis_server.url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        **{**FAST, **settings},
    )
    box = Outbox(
        redis=redis_server,
        worker=CeleryProcess("worker", tmp_path / "worker.log", env),
        beat=CeleryProcess("beat", tmp_path / "beat.log", env),
        smtp=smtp,
    )
    try:
        yield box
    finally:
        box.stop()
        smtp.stop()


@pytest.fixture
def outbox(live_db, redis_server: RedisServer, tmp_path: Path) -> Iterator[Outbox]:
    """Not started: a test creates its data first, then calls `outbox.start()`."""
    sms = {"SMS_BACKEND": "messaging.sms.FileSmsBackend", "SMS_FILE_PATH": str(tmp_path / "sms")}
    with outbox_to_smtp(redis_server, tmp_path, **sms) as box:
        yield box
