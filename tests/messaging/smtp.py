"""A real SMTP server for delivery tests (aiosmtpd, in a thread of the test process) that
records every message it accepts, so tests count deliveries where they arrive."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.test import override_settings

from tests.conftest import free_port


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    raw: bytes
    at: float

    @property
    def email(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


class RecordingSMTPServer:
    """`reply` (e.g. "451 4.3.0 try later") refuses messages instead of accepting them;
    `delay` seconds per message imitates a server that writes each message to disk;
    `pipelining` offers RFC 2920 pipelining, as most production servers do;
    `on_accept(count)` runs in the server's thread after each accepted message."""

    def __init__(self, delay: float = 0.0, pipelining: bool = False) -> None:
        self.port = free_port()
        self.delay = delay
        self.pipelining = pipelining
        self.reply: str | None = None
        self.rcpt_reply: str | None = None
        self.on_accept: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._controller: Controller | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        session.host_name = hostname
        if self.pipelining:  # RFC 2920; aiosmtpd reads commands in order anyway
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # the name aiosmtpd calls
        if self.reply:
            return self.reply
        raw = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=policy.default)
        with self._lock:
            self._received.append(
                Received(str(parsed["Message-ID"]), tuple(envelope.rcpt_tos), raw, time.time())
            )
            count = len(self._received)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.on_accept:
            self.on_accept(count)
        return "250 2.0.0 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def per_message_id(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)


def delivering_to(port: int, **extra: object) -> override_settings:
    """The outbox delivers in this process through Django's SMTP backend to `port`."""
    return override_settings(
        MESSAGES_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=5,
        **extra,
    )
