"""Emails are multipart (text and an HTML alternative): the address, a map link, what to
do before the visit and the practitioner, in the clinic's colours, readable with images
off, in the patient's language. Delivered to a real SMTP server and parsed."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from messaging import delivery
from messaging.models import Message, MessageKind
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import consult, patient, screen
from tests.messaging.helpers import book

pytestmark = [pytest.mark.django_db, at_clinic_now]

VOID = {"meta", "br", "img", "link", "input", "hr"}


class Checked(HTMLParser):
    """Every element closed in order; the links and images found."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.links: list[str] = []
        self.images = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        self.links += [attrs["href"]] if tag == "a" else []
        self.images += tag == "img"
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()


def deliver() -> None:
    Message.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    delivery.deliver_batch(list(Message.objects.values_list("pk", flat=True)))


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_confirmation_is_text_and_html_with_address_map_and_preparation(
    clinic, smtp_settings, settings, language
):
    p = patient(preferred_language=language)
    screen(p)
    consult(p)
    appointment = book(clinic, p, local(days_ahead(3), 12))
    Message.objects.exclude(kind=MessageKind.CONFIRMATION).delete()
    deliver()
    (received,) = smtp_settings.received
    email = received.email
    assert email.get_content_type() == "multipart/mixed"  # the body, then the .ics
    (body,) = [part for part in email.iter_parts() if part.is_multipart()]
    assert body.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    for part in (text, html):
        assert settings.CLINIC_ADDRESS in part
        assert appointment.practitioner.display_name in part
        assert "12:00" in part
    checked = Checked()
    checked.feed(html)
    checked.close()
    assert checked.open == [] and checked.images == 0 and checked.lang == language
    assert settings.CLINIC_MAP_URL in checked.links
    assert any("/messages/link/" in link for link in checked.links)  # confirm, cancel
    assert any(link.endswith("/me/profile/") for link in checked.links)
    assert "#0b5d6b" in html  # the clinic's colour
    preparation = "metal jewellery" if language == "en" else "металеві прикраси"
    assert preparation in text and preparation in html


def test_an_email_never_says_noon_or_pm(clinic, smtp_settings):
    p = patient(preferred_language="en")
    screen(p)
    consult(p)
    book(clinic, p, local(days_ahead(3), 12))
    book(clinic, p, local(days_ahead(4), 14) + timedelta(minutes=30))
    deliver()
    for received in smtp_settings.received:
        for part in ("plain", "html"):
            content = received.email.get_body((part,)).get_content()
            assert "noon" not in content and "p.m." not in content and "a.m." not in content


ODD_TEXTS = [
    "Map: https://www.openstreetmap.org/search?query=12+Khreshchatyk+St%2C+Kyiv&x=<1>",
    "Confirm:\nhttp://127.0.0.1:8000/messages/link/5.c:1x:abc/\nthen come.",
    'A manager\'s note: <script>alert("x")</script> & "quotes", see www.example.org.',
    "Write to help@clinic.example.com (or call).",
    "Nothing to link here, 10:00 sharp.",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_paragraphs_are_escaped_and_linked_as_the_template_filters_would(text):
    from django.template import Context, Template

    from messaging.html_email import linked

    templates = {True: "{{ t|urlize|linebreaksbr }}", False: "{{ t|urlize }}"}
    for breaks, template in templates.items():
        expected = Template(template).render(Context({"t": text}))
        assert linked(text, breaks=breaks) == expected
        assert linked(text, breaks=breaks) == expected  # remembered: the same again
    assert "<script>" not in linked(text)
