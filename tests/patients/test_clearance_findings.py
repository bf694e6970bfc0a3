"""Reception sees whether a patient is cleared and what to offer, never the finding behind
it; the patient and clinicians see the findings, and each such read is audited (issue 15:
"Epilepsy rules out this treatment" and "You told us about: Artificial pacemaker" were
shown to reception by the patient detail, API and desk page, with no audit row)."""

import pytest

from clinic.models import AuditEvent
from clinic.roles import Role
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.desk.helpers import client_for
from tests.factories import api, consult, patient, screen, staff

FACE = "microcurrent-therapy-face"
FINDINGS = ("Epilepsy", "Artificial pacemaker", "You told us about")


@pytest.fixture
def epileptic(db):
    """Screened without a yes; the dermatologist found epilepsy and did not clear her."""
    p = patient()
    screen(p)
    consult(p, clearance="not_cleared", present={"epilepsy": {"status": "present"}})
    return p


@pytest.fixture
def declared(db):
    """Consulted and cleared, then declared a pacemaker (not reviewed yet)."""
    p = patient()
    screen(p)
    consult(p, plans={FACE: 8})
    screen(p, yes={"pacemaker"})
    return p


def _face(body: dict) -> dict:
    return next(c for c in body["clearance"] if c["treatment_slug"] == FACE)


def _reads(p) -> int:
    return AuditEvent.objects.filter(action="read_clearance", patient_id=p.pk).count()


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER])
def test_reception_gets_the_state_and_the_offer_never_the_finding(role, epileptic, declared):
    client = api(staff(role))
    for p, state in ((epileptic, "not_cleared"), (declared, "needs_dermatologist")):
        response = client.get(f"/api/patients/{p.pk}/")
        assert response.status_code == 200
        text = response.content.decode()
        assert not [word for word in FINDINGS if word in text], text
        face = _face(response.json())
        assert face["allowed"] is False and face["state"] == state, face
        assert face["offer"] and face["reasons"], face
        assert {r["code"] for r in face["reasons"]} & {"ruled_out", "dermatologist_review"}
    assert _reads(epileptic) == _reads(declared) == 0  # nothing clinical was read


def test_the_dermatologist_reads_the_findings_and_the_read_is_audited(epileptic, declared):
    derm = staff(Role.DERMATOLOGIST)
    client = api(derm)
    text = client.get(f"/api/patients/{epileptic.pk}/").content.decode()
    assert "Epilepsy rules out this treatment" in text
    text = client.get(f"/api/patients/{declared.pk}/").content.decode()
    assert "You told us about: Artificial pacemaker" in text
    row = AuditEvent.objects.get(action="read_clearance", patient_id=declared.pk)
    assert row.actor_id == derm.pk and row.detail["treatments"]
    assert _reads(epileptic) == 1


def test_the_patient_reads_their_own_findings_audited(declared):
    body = api(declared.user).get(f"/api/patients/{declared.pk}/").json()
    assert "Artificial pacemaker" in str(_face(body)["reasons"])
    assert _reads(declared) == 1


def test_a_cleared_patient_is_read_without_an_audit_row(db):
    p = patient()
    screen(p)
    consult(p, plans={FACE: 8})
    face = _face(api(staff(Role.DERMATOLOGIST)).get(f"/api/patients/{p.pk}/").json())
    assert face["state"] == "cleared" and face["reasons"] == [] and face["offer"] == ""
    assert _reads(p) == 0


def test_the_desk_pages_show_no_finding(epileptic, declared):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    reception = client_for(Role.RECEPTION)
    for p in (epileptic, declared):
        page = reception.get(f"/desk/patients/{p.pk}/").content.decode()
        assert "Clearance" in page or "Cleared" in page or "Not cleared" in page
        assert not [word for word in FINDINGS if word in page]
    page = reception.get(f"/desk/patients/{declared.pk}/").content.decode()
    assert "Needs a dermatologist" in page and "Book a consultation with a dermatologist" in page
    day = days_ahead(3).isoformat()
    url = f"/desk/patients/{epileptic.pk}/book/?treatment={clinic.face.pk}&day={day}"
    page = reception.get(url).content.decode()
    assert "Not cleared for this treatment" in page
    assert not [word for word in FINDINGS if word in page]
    assert _reads(epileptic) == _reads(declared) == 0


def test_a_refused_booking_by_reception_names_no_finding(declared):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    start = local(days_ahead(3), 10)
    response = api(staff(Role.RECEPTION)).post(
        "/api/appointments/",
        {"patient": declared.pk, "treatment": clinic.face.pk, "start": start.isoformat()},
        format="json",
    )
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "not_cleared"
    assert error["state"] == "needs_dermatologist"
    assert "Artificial pacemaker" not in response.content.decode()
