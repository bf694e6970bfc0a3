"""SMS backends: a small interface in the spirit of Django's email backends.

`settings.SMS_BACKEND` names the class. Development writes each SMS to a file in
`var/sms/` (or prints it, with the console backend); tests keep them in memory; a real
provider is one subclass of `BaseSmsBackend` whose `send` calls the provider's API.
`DisabledSmsBackend` (the production default until a provider is configured) means the
SMS channel is off: no SMS message is even created.

As with email, the outbox records an SMS as sent only after `send` returned (delivery is
at-least-once, see messaging.delivery): a worker that dies in between sends it again, with
the same `reference`, which a provider that takes idempotency keys gets as the key.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused or could not be reached. `permanent`: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    body: str
    # Stable per outbox row (messaging.compose.message_key), the same on every attempt:
    # a provider with idempotency keys gets it as the key.
    reference: str


class BaseSmsBackend:
    enabled = True

    def send(self, sms: Sms) -> None:
        """Send one SMS: return once the provider accepted it, raise SmsError when it did
        not (`permanent` if retrying cannot help)."""
        raise NotImplementedError


class DisabledSmsBackend(BaseSmsBackend):
    enabled = False

    def send(self, sms: Sms) -> None:
        raise SmsError("No SMS provider is configured (SMS_BACKEND).", permanent=True)


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each SMS to standard output (development)."""

    def send(self, sms: Sms) -> None:
        sys.stdout.write(f"--- SMS to {sms.to} (ref {sms.reference})\n{sms.body}\n---\n")
        sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    """One text file per SMS in settings.SMS_FILE_PATH (development: var/sms/)."""

    def send(self, sms: Sms) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{sms.reference}.txt"
        path.write_text(f"To: {sms.to}\nReference: {sms.reference}\n\n{sms.body}\n")


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps sent SMS in `LocmemSmsBackend.outbox` (tests, in one process)."""

    outbox: list[Sms] = []
    _lock = threading.Lock()

    def send(self, sms: Sms) -> None:
        with self._lock:
            LocmemSmsBackend.outbox.append(sms)


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_enabled() -> bool:
    return bool(import_string(settings.SMS_BACKEND).enabled)
