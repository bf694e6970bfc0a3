"""Email for the outbox, through Django's email framework as it comes.

The outbox sends through MESSAGES_EMAIL_BACKEND; in production that is Django's own SMTP
backend (django.core.mail.backends.smtp.EmailBackend). `EmailOutlet` holds one backend
for a batch of messages: one connection, opened with the first message and reused for
the next ones; after a failure it is closed, and the next message opens a fresh one
rather than reuse a connection in an unknown state. Whether a message went is recorded by
messaging.delivery after the backend returned, never before.

`FileBackend` is the development mail folder: one `.eml` file per message.
"""

from __future__ import annotations

import contextlib
import smtplib
import uuid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.filebased import EmailBackend as DjangoFileBackend
from django.utils import timezone


class FileBackend(DjangoFileBackend):
    """Each message its own `.eml` file in EMAIL_FILE_PATH, which a mail client opens.

    Django's file backend writes one file per connection, named by the time to the
    second and `id()` of the connection object; a new connection made after the last one
    was freed can get the same id within the same second and append to its file. Here
    the name carries a random part, and a file is created, never appended to."""

    def open(self) -> bool:
        return False  # nothing is held open between messages

    def close(self) -> None:
        pass

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            with open(f"{self.file_path}/{name}", "xb") as file:
                file.write(message.message().as_bytes())
            sent += 1
        return sent


class EmailOutlet:
    """The outbox's email channel for one batch, on one connection of the backend."""

    def __init__(self) -> None:
        self.backend = get_connection(settings.MESSAGES_EMAIL_BACKEND, fail_silently=False)

    def send(self, message: EmailMessage) -> bool:
        """Hand `message` to the backend: True once the server accepted it, False if it
        has no recipient. Raises what the backend raises (smtplib's errors, OSError)."""
        try:
            # Opened here, the connection outlives send_messages (which closes only a
            # connection it opened itself): the batch reuses it.
            self.backend.open()
            return self.backend.send_messages([message]) == 1
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()  # the batch is over, or the connection failed
