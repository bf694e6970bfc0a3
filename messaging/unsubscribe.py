"""One-click unsubscribe from messages a patient may do without (RFC 8058, RFC 2369).

Reminders and advice (home care, the course's next session) are optional: each switches
off by one field of the patient (WISH_OF). Their emails carry `List-Unsubscribe` with a
signed link and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, so a mail client can
unsubscribe with one POST; the same link opened in a browser shows a page with one button
(opening a link changes nothing: mail scanners follow links). Messages about a booking
itself (confirmation, move, cancellation, a waitlist offer the patient asked for) carry
none: they are what the patient booked.

The token is `<patient id>.<wish>` signed with the secret key (its own salt): the link is
the patient's authority, as the confirm and cancel links are, and needs no login.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from messaging.models import MessageKind
from patients.models import Patient

SALT = "messaging.unsubscribe"
WISH_OF: dict[str, str] = {
    MessageKind.REMINDER: "remind_before_session",
    MessageKind.HOME_CARE: "optional_messages",
    MessageKind.COURSE_NUDGE: "optional_messages",
    # Recalls and surveys are advice too; they also have their own stop link
    # (messaging.opt_out), which stops only them.
    MessageKind.RECALL: "optional_messages",
    MessageKind.SURVEY: "optional_messages",
}
WISHES = frozenset(WISH_OF.values())


class BadUnsubscribeLink(Exception):
    """The token was altered or names nothing we send."""


def unsubscribe_url(patient_id: int, kind: str) -> str:
    token = signing.Signer(salt=SALT).sign(f"{patient_id}.{WISH_OF[kind]}")
    return settings.CLINIC_BASE_URL + reverse("outbox:unsubscribe", kwargs={"token": token})


def unsubscribe_target(token: str) -> tuple[Patient, str]:
    """The patient and the wish a token switches off; BadUnsubscribeLink if forged."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise BadUnsubscribeLink from exc
    patient_id, _dot, wish = value.partition(".")
    if wish not in WISHES:
        raise BadUnsubscribeLink
    patient = Patient.objects.filter(pk=int(patient_id), merged_into__isnull=True).first()
    if patient is None:
        raise BadUnsubscribeLink
    return patient, wish
