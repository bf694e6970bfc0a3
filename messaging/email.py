"""Email through Django's email framework, with the one addition an outbox needs.

SMTP cannot tell a client that died whether its last message was accepted (RFC 1047):
the server commits a message when it reads the final "<CRLF>.<CRLF>". So the worker marks
a row sent at the last moment before that: after the server said 354 and holds the whole
text, just before the final dot. A worker killed before the mark leaves the row claimed
and unsent; the server drops the half-received text when the connection dies, and the
row is retried. Killed after the mark, the row says sent and is never sent again, so a
message cannot go twice. The one window left is between the database acknowledging the
mark and the dot leaving this process (tens of microseconds): a kill exactly there loses
that message while its row says sent. We choose that over duplicates, and keep it short.

`SMTPBackend` is Django's SMTP backend with that hook; the other backends (file, console,
locmem) cannot half-send, so for them the mark simply comes first. `FileBackend` is the
development mail folder: one `.eml` file per message.
"""

from __future__ import annotations

import contextlib
import functools
import re
import smtplib
import socket
import uuid
from collections.abc import Callable
from email.policy import Compat32
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.filebased import EmailBackend as DjangoFileBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.core.mail.message import sanitize_address
from django.utils import timezone

_CRLF = b"\r\n"
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _QuickFolding(Compat32):
    """compat32, the policy of Django's messages, with a shortcut for the usual header:
    one short line of plain ASCII, which the Header folding algorithm returns unchanged.
    Folding every header through email.header.Header was a tenth of a worker's time."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= (self.max_line_length or 78)
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


QUICK_FOLDING = _QuickFolding()


class OutboxEmail(EmailMessage):
    """Django's EmailMessage, serialised with QUICK_FOLDING (the same bytes, faster)."""

    def message(self) -> Any:
        message = super().message()
        message.policy = QUICK_FOLDING
        return message


@functools.lru_cache(maxsize=1024)
def _quoted(address: str) -> str:
    return smtplib.quoteaddr(address)


@functools.lru_cache(maxsize=64)
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


class HandoverRefused(Exception):
    """The row changed under the worker (voided, moved, re-claimed): do not send."""


class _HandoverMixin:
    """smtplib.SMTP that calls `before_final_dot` just before the final dot, and pipelines
    MAIL, RCPT and DATA (RFC 2920) when the server offers it: two round trips a message
    instead of four."""

    before_final_dot: Callable[[], None] | None = None

    def connect(self, host: str = "localhost", port: int = 0, source_address=None):
        reply = super().connect(host, port, source_address)
        # The final dot goes in a write of its own: without TCP_NODELAY, Nagle's algorithm
        # holds it until the server's delayed ACK (40 ms) for every message.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.ehlo_or_helo_if_needed()
        if not (
            self.does_esmtp
            and self.has_extn("pipelining")
            and isinstance(msg, bytes)
            and isinstance(to_addrs, list | tuple)
            and len(to_addrs) == 1
            and not mail_options
            and not rcpt_options
        ):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        size = f" SIZE={len(msg)}" if self.has_extn("size") else ""
        self.send(
            f"MAIL FROM:{_quoted(from_addr)}{size}\r\n"
            f"RCPT TO:{_quoted(to_addrs[0])}\r\nDATA\r\n".encode("ascii")
        )
        mail = self.getreply()
        rcpt = self.getreply()
        self._check_envelope(from_addr, to_addrs[0], mail, rcpt)
        code, reply = self._text_and_final_dot(msg)
        if code != 250:
            self._refuse(code)
            raise smtplib.SMTPDataError(code, reply)
        return {}

    def _check_envelope(self, from_addr: str, to_addr: str, mail: tuple, rcpt: tuple) -> None:
        """The replies to a pipelined MAIL and RCPT, then to DATA: raise as smtplib would."""
        data = self.getreply()
        if data[0] == 354 and (mail[0] != 250 or rcpt[0] not in (250, 251)):
            self.close()  # in DATA without a valid recipient: hang up, nothing is sent
        if mail[0] != 250:
            self._refuse(mail[0])
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
        if rcpt[0] not in (250, 251):
            self._refuse(rcpt[0])
            raise smtplib.SMTPRecipientsRefused({to_addr: rcpt})
        if data[0] != 354:
            self._refuse(data[0])
            raise smtplib.SMTPDataError(*data)

    def _refuse(self, code: int) -> None:
        if self.sock is None:
            return
        if code == 421:
            self.close()
        else:
            self._rset()

    def data(self, msg: bytes) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        return self._text_and_final_dot(msg)

    def _text_and_final_dot(self, msg: bytes) -> tuple[int, bytes]:
        body = _LEADING_DOT.sub(b"..", msg)
        if not body.endswith(_CRLF):
            body += _CRLF
        self.send(body)
        if self.before_final_dot is not None:
            try:
                self.before_final_dot()
            except BaseException:
                # Mid-DATA there is no way back but to hang up: the server drops the text.
                self.close()
                raise
        self.send(b"." + _CRLF)
        return self.getreply()


class _SMTP(_HandoverMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_HandoverMixin, smtplib.SMTP_SSL):
    pass


class SMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend, plus `send_with_handover` for the outbox."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _SMTPSSL if self.use_ssl else _SMTP

    def _send(self, email_message: EmailMessage) -> bool:
        """Django's, with the (always the same) sender's address sanitised once."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message()
        self.connection.sendmail(from_email, recipients, message.as_bytes(linesep="\r\n"))
        return True

    def send_with_handover(self, message: EmailMessage, handover: Callable[[], None]) -> None:
        with self._lock:
            self.open()
            self.connection.before_final_dot = handover
            try:
                self._send(message)
            except HandoverRefused:
                self.connection = None  # closed mid-DATA by the hook
                raise
            except (smtplib.SMTPServerDisconnected, OSError):
                self.connection = None
                raise
            finally:
                if self.connection is not None:
                    self.connection.before_final_dot = None


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

    def send(self, message: EmailMessage, handover: Callable[[], None]) -> None:
        if isinstance(self.backend, SMTPBackend):
            self.backend.send_with_handover(message, handover)
            return
        handover()
        self.backend.send_messages([message])

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()  # the batch is over; a failed QUIT changes nothing
