"""The treatment consent signed on screen: frozen as a PDF (text version, name, signature,
time, IP, browser) with its SHA-256, stored privately, downloadable only by staff and the
patient who signed; an empty signature refused; a new version asks again; check-in reads
the signed consent as before."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from appointments.services import appointment_check_in
from clinic.audit import Actor
from clinic.errors import Conflict, Invalid
from clinic.models import AuditEvent
from clinic.roles import Role
from patients.files import clinical_read
from patients.models import ConsentAcceptance, ConsentText
from patients.selectors import consent_state
from patients.services import consent_is_current, consent_sign
from tests.appointments.clinic_setup import at_clinic_now, build_clinic
from tests.desk.helpers import FACE, booked_earlier_today, client_for
from tests.factories import consult, patient, screen, staff
from tests.patients.photo_helpers import private_files, stored_files
from tests.patients.signature_helpers import signature_data_url

pytestmark = [pytest.mark.django_db, at_clinic_now]
__all__ = ["private_files"]
UA = "Mozilla/5.0 (iPad; CPU OS 17_0) Tablet"


def _sign(p, signature: str | None = None, version: int = 1, user=None) -> ConsentAcceptance:
    return consent_sign(
        actor=Actor(user=user or p.user),
        patient=p,
        version=version,
        signature=signature_data_url() if signature is None else signature,
        ip="203.0.113.7",
        user_agent=UA,
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_signing_freezes_a_pdf_with_its_digest_and_records_the_consent(private_files):
    p = patient(consented=False, first_name="Olena", last_name="Kovalenko")
    signed = _sign(p)
    pdf = clinical_read(signed.pdf_name)
    assert pdf.startswith(b"%PDF-")
    assert signed.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    text = _pdf_text(pdf)
    for expected in ("Olena Kovalenko", "Version 1", "203.0.113.7", "iPad", "microcurrent"):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 1  # the drawn signature
    assert (signed.signed_name, signed.ip, signed.user_agent) == (
        "Olena Kovalenko",
        "203.0.113.7",
        UA,
    )
    assert consent_is_current(p) and consent_state(p).signed_pdf_id == signed.pk
    row = AuditEvent.objects.get(action="consent_signed")
    assert row.patient_id == p.pk and row.detail["sha256"] == signed.pdf_sha256


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("", "empty_signature"),
        ("   ", "empty_signature"),
        (signature_data_url(strokes=0), "empty_signature"),  # a blank canvas
        (signature_data_url(strokes=0, background=(255, 255, 255, 255)), "empty_signature"),
        ("data:image/png;base64,not base64!", "bad_signature"),
        ("data:image/jpeg;base64,/9j/4AAQ", "bad_signature"),
        ("data:image/png;base64," + "QUJD" * 10, "bad_signature"),  # base64, not a PNG
        ("javascript:alert(1)", "bad_signature"),
    ],
)
def test_an_empty_or_unreadable_signature_is_refused_and_nothing_stored(
    private_files, signature, code
):
    p = patient(consented=False)
    with pytest.raises(Invalid) as caught:
        _sign(p, signature)
    assert caught.value.code == code and "signature" in caught.value.fields
    assert not ConsentAcceptance.objects.filter(patient=p).exists()
    assert stored_files(private_files) == []


def test_an_old_version_is_refused_and_the_same_version_is_signed_once(private_files):
    p = patient(consented=False)
    with pytest.raises(Invalid):
        _sign(p, version=0)
    assert stored_files(private_files) == []
    _sign(p)
    with pytest.raises(Conflict):
        _sign(p)
    assert len(stored_files(private_files)) == 1


def test_a_new_consent_version_asks_again(private_files):
    p = patient(consented=False)
    _sign(p)
    ConsentText.objects.create(version=2, body="Version two of the consent text.")
    assert not consent_is_current(p) and not consent_state(p).current
    page = _client(p).get("/me/consent/").content.decode()
    assert "data-signature-pad" in page and "Version two" in page
    second = _sign(p, version=2)
    assert "Version 2" in _pdf_text(clinical_read(second.pdf_name))
    assert consent_is_current(p)
    assert ConsentAcceptance.objects.filter(patient=p).count() == 2


def _client(p) -> Client:
    c = Client()
    c.force_login(p.user)
    return c


def test_the_page_replaces_the_tick_box_by_a_signature(private_files):
    p = patient(consented=False)
    client = _client(p)
    page = client.get("/me/consent/").content.decode()
    assert 'type="checkbox"' not in page
    assert "data-signature-pad" in page and "js/signature.js" in page and "<script>" not in page
    empty = client.post("/me/consent/", {"version": 1, "signature": ""})
    assert empty.status_code == 400
    assert "Please sign in the box: the signature is empty." in empty.content.decode()
    assert not ConsentAcceptance.objects.filter(patient=p).exists()
    done = client.post(
        "/me/consent/", {"version": 1, "signature": signature_data_url()}, HTTP_USER_AGENT=UA
    )
    assert done.status_code == 302
    signed = ConsentAcceptance.objects.get(patient=p)
    assert signed.user_agent == UA and signed.ip == "127.0.0.1"
    page = client.get("/me/consent/").content.decode()
    assert f"/consents/{signed.pk}/pdf/" in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("own", 200),
        ("other", 404),
        ("reception", 200),
        ("dermatologist", 200),
        ("manager", 200),
    ],
)
def test_a_signed_pdf_reaches_only_staff_and_the_patient_who_signed(private_files, who, expected):
    p = patient(consented=False)
    signed = _sign(p)
    client = {
        "anonymous": lambda: Client(),
        "own": lambda: _client(p),
        "other": lambda: _client(patient()),
        "reception": lambda: client_for(Role.RECEPTION),
        "dermatologist": lambda: client_for(Role.DERMATOLOGIST),
        "manager": lambda: client_for(Role.MANAGER),
    }[who]()
    response = client.get(f"/consents/{signed.pk}/pdf/")
    assert response.status_code == expected
    reads = AuditEvent.objects.filter(action="read", object_type="patients.consentacceptance")
    if expected == 200:
        assert b"".join(response.streaming_content) == clinical_read(signed.pdf_name)
        assert response["Content-Type"] == "application/pdf"
        assert reads.count() == 1
    else:
        assert reads.count() == 0


def test_an_unsigned_acceptance_has_no_pdf_url(private_files):
    p = patient()  # accepted by the old tick box: no PDF
    acceptance = ConsentAcceptance.objects.get(patient=p)
    assert _client(p).get(f"/consents/{acceptance.pk}/pdf/").status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.RECEPTION, 200), (Role.MANAGER, 403), (Role.DERMATOLOGIST, 403), (Role.PATIENT, 403)],
)
def test_the_desk_tablet_signing_page_is_receptions(private_files, role, expected):
    p = patient(consented=False)
    assert client_for(role).get(f"/desk/patients/{p.pk}/consent/").status_code == expected


def test_a_consent_signed_on_the_desk_tablet_lets_the_patient_check_in(private_files):
    build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(consented=False, with_login=False)
    screen(p)
    consult(p, plans={FACE: 8})
    from treatments.models import Treatment

    a = booked_earlier_today(p, Treatment.objects.get(slug=FACE))
    reception = client_for(Role.RECEPTION)
    with pytest.raises(Conflict, match="version 1"):  # no consent on file: refused
        appointment_check_in(
            actor=Actor(user=reception.user), appointment=a, screening_confirmed=True
        )
    response = reception.post(
        f"/desk/patients/{p.pk}/consent/",
        {
            "version": 1,
            "signature": signature_data_url(),
            "next": f"/desk/appointments/{a.pk}/check-in/",
        },
        HTTP_USER_AGENT=UA,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/desk/appointments/{a.pk}/check-in/"
    signed = ConsentAcceptance.objects.get(patient=p)
    assert signed.recorded_by == reception.user and signed.pdf_name
    checked = appointment_check_in(
        actor=Actor(user=staff(Role.RECEPTION)), appointment=a, screening_confirmed=True
    )
    assert checked.status == "checked_in"


def test_the_data_export_holds_the_signed_pdf(private_files):
    from patients.services.privacy import patient_export

    p = patient(consented=False)
    signed = _sign(p)
    exported = patient_export(actor=Actor(user=p.user), patient=p)
    [item] = exported["signed_consents"]
    pdf = base64.b64decode(item["pdf_base64"])
    assert (item["id"], item["version"]) == (signed.pk, 1)
    assert hashlib.sha256(pdf).hexdigest() == item["sha256"] == signed.pdf_sha256
