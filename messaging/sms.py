"""SMS backends: a small interface in the spirit of Django's email backends.

`settings.SMS_BACKEND` names the class. Development writes each SMS to a file in
`var/sms/` (or prints it, with the console backend); tests keep them in memory; a real
provider is one subclass of `BaseSmsBackend` whose `send` calls the provider's API.
`DisabledSmsBackend` (the production default until a provider is configured) means the
SMS channel is off: no SMS message is even created.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
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
    reference: str  # our message id: a provider with idempotency keys gets it as the key


class BaseSmsBackend:
    enabled = True

    def send(self, sms: Sms, *, handover: Callable[[], None]) -> None:
        """Send one SMS. Call `handover()` at the last moment before the provider accepts
        it (it records the message as sent and raises if this worker no longer owns it);
        raise SmsError when it was not accepted."""
        raise NotImplementedError


class DisabledSmsBackend(BaseSmsBackend):
    enabled = False

    def send(self, sms: Sms, *, handover: Callable[[], None]) -> None:
        raise SmsError("No SMS provider is configured (SMS_BACKEND).", permanent=True)


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each SMS to standard output (development)."""

    def send(self, sms: Sms, *, handover: Callable[[], None]) -> None:
        handover()
        sys.stdout.write(f"--- SMS to {sms.to} (ref {sms.reference})\n{sms.body}\n---\n")
        sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    """One text file per SMS in settings.SMS_FILE_PATH (development: var/sms/)."""

    def send(self, sms: Sms, *, handover: Callable[[], None]) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{sms.reference}.txt"
        handover()
        path.write_text(f"To: {sms.to}\nReference: {sms.reference}\n\n{sms.body}\n")


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps sent SMS in `LocmemSmsBackend.outbox` (tests, in one process)."""

    outbox: list[Sms] = []
    _lock = threading.Lock()

    def send(self, sms: Sms, *, handover: Callable[[], None]) -> None:
        handover()
        with self._lock:
            LocmemSmsBackend.outbox.append(sms)


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_enabled() -> bool:
    return bool(import_string(settings.SMS_BACKEND).enabled)
