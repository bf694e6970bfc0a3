"""At-least-once delivery, in this process, to a real SMTP server: every message carries a
Message-ID of its outbox row, the same on every attempt; a message the server took without
confirming it goes again as the same message; a batch keeps one connection; a service
that changes a row while its message goes waits, and the record stays true."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from email import message_from_bytes, policy

import pytest
from django.db import connection
from django.test import override_settings

from appointments import services
from appointments.models import Appointment
from clinic.audit import Actor
from messaging import compose, delivery
from messaging.models import Message, MessageKind, MessageStatus
from messaging.sms import BaseSmsBackend, Sms, SmsError
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import patient
from tests.messaging.conftest import message_text, without_compose_time
from tests.messaging.helpers import book, desk_book, make_all_due
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

pytestmark = [pytest.mark.django_db, at_clinic_now]

CONFIRMATION = MessageKind.CONFIRMATION


class StumblingSMTPServer(RecordingSMTPServer):
    """The recording server, which also counts sessions (one EHLO each), notes the
    Message-ID of each message it refuses, and with `hang_up_after_next` takes the next
    message and hangs up before saying so."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = 0
        self.refused_ids: list[str] = []
        self.hang_up_after_next = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        self.sessions += 1
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply:
            parsed = message_from_bytes(envelope.original_content, policy=policy.default)
            self.refused_ids.append(str(parsed["Message-ID"]))
        reply = await super().handle_DATA(server, session, envelope)
        if self.hang_up_after_next:
            self.hang_up_after_next = False
            server.transport.close()  # taken (recorded above), but the 250 never goes out
        return reply


@pytest.fixture
def stumbling() -> Iterator[StumblingSMTPServer]:
    server = StumblingSMTPServer()
    server.start()
    with delivering_to(server.port):
        yield server
    server.stop()


def deliver() -> delivery.BatchResult:
    return delivery.deliver_batch(list(Message.objects.values_list("pk", flat=True)))


def confirmation() -> Message:
    return Message.objects.get(kind=CONFIRMATION)


def test_every_message_carries_the_message_id_of_its_row_the_same_on_every_attempt(
    clinic, cleared, stumbling
):
    book(clinic, cleared, local(days_ahead(3), 10))
    stumbling.reply = "451 4.3.0 Try again later"
    assert deliver().retried == 1
    stumbling.reply = None
    make_all_due()
    assert deliver().sent == 3  # the confirmation again, and both reminders
    rows = {compose.message_id(m): m for m in Message.objects.all()}
    assert len(rows) == 3 and {r.message_id for r in stumbling.received} == set(rows)
    row = confirmation()
    created = row.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    assert compose.message_id(row) == f"<clinic-message-{row.pk}.{created}@127.0.0.1>"
    assert row.status == MessageStatus.SENT and row.attempts == 2
    # The refused first attempt and the accepted second one: the same Message-ID.
    assert stumbling.refused_ids == [compose.message_id(row)]


def test_a_message_the_server_took_without_confirming_goes_again_as_the_same_message(
    clinic, cleared, stumbling
):
    book(clinic, cleared, local(days_ahead(3), 10))
    stumbling.hang_up_after_next = True
    result = deliver()
    assert (result.sent, result.retried) == (0, 1)  # no reply: not known to be sent
    row = confirmation()
    assert row.status == MessageStatus.PENDING and "SMTPServerDisconnected" in row.last_error
    make_all_due(kind=CONFIRMATION)
    assert deliver().sent == 1
    first, second = stumbling.received
    assert first.message_id == second.message_id == compose.message_id(row)
    assert first.to == second.to and message_text(first.email) == message_text(second.email)
    assert confirmation().status == MessageStatus.SENT


def test_a_batch_goes_over_one_connection_and_a_new_one_after_a_failure(clinic, cleared, stumbling):
    for day in (3, 4, 5):
        book(clinic, cleared, local(days_ahead(day), 10))
    assert deliver().sent == 3
    assert stumbling.sessions == 1
    for day in (6, 7, 8):
        book(clinic, cleared, local(days_ahead(day), 10))
    stumbling.hang_up_after_next = True
    result = deliver()
    assert (result.sent, result.retried) == (2, 1)
    assert stumbling.sessions == 1 + 2  # the connection that broke was not used again


class SilentServer:
    """Takes connections and never says a word (a mail server that hangs)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.connections.append(self.listener.accept()[0])

    def close(self) -> None:
        for c in [*self.connections, self.listener]:
            c.close()


def test_a_mail_server_that_does_not_answer_costs_a_group_one_timeout_not_one_each(
    clinic, cleared, settings
):
    for day in (3, 4, 5):
        book(clinic, cleared, local(days_ahead(day), 10))
    silent = SilentServer()
    settings.MESSAGES_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", silent.port, 1
    try:
        started = time.monotonic()
        result = deliver()
        took = time.monotonic() - started
    finally:
        silent.close()
    assert (result.sent, result.retried) == (0, 3)
    assert len(silent.connections) == 1 and took < 2.5  # the rows were locked that long
    assert {m.last_error[:24] for m in Message.objects.filter(kind=CONFIRMATION)} == {
        "mail server unreachable:"
    }


def test_a_cancel_while_the_confirmation_goes_waits_and_the_record_stays_true(
    live_db, clinic, cleared, smtp_settings
):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    cancelled, waited = threading.Event(), []

    def cancel() -> None:
        try:
            mine = Appointment.objects.get(pk=appointment.pk)
            services.appointment_cancel(actor=Actor(user=cleared.user), appointment=mine)
            cancelled.set()
        finally:
            connection.close()

    canceller = threading.Thread(target=cancel)

    def cancel_while_it_goes(count: int) -> None:
        canceller.start()  # from another connection, while the server takes the message
        waited.append(not cancelled.wait(1.0))

    smtp_settings.on_accept = cancel_while_it_goes
    result = deliver()
    canceller.join(10)
    assert result.sent == 1 and smtp_settings.count() == 1
    assert waited == [True] and cancelled.is_set()  # the cancel waited for the record
    assert confirmation().status == MessageStatus.SENT  # not voided after it went
    assert Message.objects.get(kind=MessageKind.CANCELLATION).status == MessageStatus.PENDING


class ForgetfulProvider(BaseSmsBackend):
    """An SMS provider that takes the first SMS but times out before saying so."""

    taken: list[Sms] = []

    def send(self, sms: Sms) -> None:
        ForgetfulProvider.taken.append(sms)
        if len(ForgetfulProvider.taken) == 1:
            raise SmsError("provider timed out")


def test_an_sms_the_provider_took_without_confirming_goes_again_with_the_same_reference(
    clinic,
):
    p = patient(remind_by_sms=True, remind_by_email=False, phone="+380671234567")
    desk_book(clinic, p, local(days_ahead(3), 10))
    ForgetfulProvider.taken.clear()
    with override_settings(SMS_BACKEND=f"{__name__}.ForgetfulProvider"):
        assert deliver().retried == 1
        make_all_due(kind=CONFIRMATION)
        assert deliver().sent == 1
    first, second = ForgetfulProvider.taken
    assert (first.to, first.reference) == (second.to, second.reference)
    assert first.reference == compose.message_key(confirmation())
    assert without_compose_time(first.body) == without_compose_time(second.body)
    assert confirmation().status == MessageStatus.SENT


def timed_out_reply() -> smtplib.SMTPServerDisconnected:
    try:
        try:
            raise TimeoutError("timed out")
        except OSError as exc:  # as smtplib.SMTP.getreply does
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}")  # noqa: B904
    except smtplib.SMTPServerDisconnected as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such mailbox")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"mailbox busy")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPDataError(451, b"try later"), False),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "x@y.z"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (timed_out_reply(), False),
        (SmsError("number does not exist", permanent=True), True),
        (SmsError("provider busy"), False),
    ],
)
def test_a_failure_is_permanent_only_when_retrying_cannot_help(error, permanent):
    assert delivery.classify(error).permanent is permanent


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (timed_out_reply(), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (smtplib.SMTPDataError(451, b"try later"), False),
    ],
)
def test_only_a_server_that_did_not_answer_stops_the_rest_of_a_group(error, unreachable):
    assert delivery.classify(error).unreachable is unreachable
