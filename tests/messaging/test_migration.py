"""The outbox moved from appointments to the messaging app: the move keeps every table,
every row and the content types (appointments 0005 and messaging 0001 change Django's
model state only).

The test takes the database back to the old layout (appointments 0004, no messaging
app), writes rows there through the old models, migrates forward and finds them all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from messaging.models import Message, MessageLinkUse
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.messaging.helpers import book

pytestmark = at_clinic_now

OLD_LAYOUT = [("appointments", "0004_messages"), ("messaging", None)]


def migrate(targets: list[tuple[str, str | None]] | None = None):
    """Migrate the test database to `targets` (default: the latest); the apps of that state."""
    executor = MigrationExecutor(connection)
    state = executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return state.apps


def message_rows() -> list[tuple]:
    """Every outbox row as the database holds it, read with plain SQL (no model state)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, patient_id, appointment_id, kind, channel, key, status, due_at "
            "FROM appointments_message ORDER BY id"
        )
        return cursor.fetchall()


@pytest.fixture
def old_layout(live_db, clinic, cleared):
    """A booking's messages written by today's code, then the database taken back to the
    old layout and written to through the old models: a waitlist offer and a link use."""
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    old = migrate(OLD_LAYOUT)
    OldMessage = old.get_model("appointments", "Message")
    OldLinkUse = old.get_model("appointments", "MessageLinkUse")
    ContentType = old.get_model("contenttypes", "ContentType")
    offer = OldMessage.objects.create(
        patient_id=cleared.pk,
        kind="waitlist_offer",
        channel="email",
        key="waitlist-offer-old-layout",
        due_at=appointment.start,
        next_attempt_at=appointment.start,
    )
    use = OldLinkUse.objects.create(message_id=offer.pk, action="confirm", ip="192.0.2.7")
    content_type = ContentType.objects.get_or_create(app_label="appointments", model="message")[0]
    yield {"offer": offer.pk, "use": use.pk, "content_type": content_type.pk}
    migrate()  # whatever the test did, the next one starts from the latest state


def test_the_move_keeps_every_outbox_row_and_its_table(old_layout):
    before = message_rows()
    assert len(before) >= 3  # the booking's confirmation and reminders, and the old offer

    migrate()

    assert message_rows() == before
    assert Message.objects.count() == len(before)
    offer = Message.objects.get(pk=old_layout["offer"])
    assert (offer.key, offer.kind, offer.status) == (
        "waitlist-offer-old-layout",
        "waitlist_offer",
        "pending",
    )
    use = MessageLinkUse.objects.get(pk=old_layout["use"])
    assert (use.message_id, use.action, use.ip) == (offer.pk, "confirm", "192.0.2.7")
    tables = set(connection.introspection.table_names())
    assert {"appointments_message", "appointments_messagelinkuse"} <= tables
    assert not {"messaging_message", "messaging_messagelinkuse"} & tables


def test_the_content_types_follow_the_models_to_messaging(old_layout):
    from django.contrib.contenttypes.models import ContentType

    migrate()

    moved = ContentType.objects.get(pk=old_layout["content_type"])
    assert (moved.app_label, moved.model) == ("messaging", "message")
    assert not ContentType.objects.filter(app_label="appointments", model="message").exists()


def test_going_back_to_the_old_layout_keeps_the_rows_too(old_layout):
    migrate()
    after = message_rows()

    old = migrate(OLD_LAYOUT)

    assert list(
        old.get_model("appointments", "Message").objects.order_by("id").values_list("id", flat=True)
    ) == [row[0] for row in after]
