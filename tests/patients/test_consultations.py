"""Consultations: signing makes them read-only, amendments keep the original, only
dermatologists read them, every read and change is audit-logged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import AuditEvent
from clinic.roles import Role
from patients.clearance import clearance_for
from patients.models import Consultation
from tests.factories import all_contraindications, api, consult, patient, screen, staff, treatment


@pytest.fixture
def derm(db):
    return staff(Role.DERMATOLOGIST)


def full_review(**overrides):
    rows = []
    for slug in all_contraindications():
        row = {"contraindication": slug, "status": "absent"}
        row.update(overrides.get(slug, {}))
        rows.append(row)
    return rows


def test_a_dermatologist_records_and_signs_a_consultation_in_one_call(derm):
    p = patient()
    body = {
        "anamnesis": "No chronic disease.",
        "skin_type": "dry",
        "fitzpatrick_type": 3,
        "skin_concerns": "Dull tone",
        "indications": ["skin-dehydration", "prevention-of-aging"],
        "reviews": full_review(),
        "clearance": "cleared",
        "sign": True,
        "record_screening": True,  # she had not answered the questionnaire online
        "plans": [
            {
                "treatment": "microcurrent-therapy-face",
                "sessions": 8,
                "sessions_per_week": 2,
                "home_care": "SPF daily",
            }
        ],
    }
    response = api(derm).post(f"/api/patients/{p.pk}/consultations/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "signed"
    assert data["signed_by"] == derm.username
    assert len(data["reviews"]) == 10
    assert data["plans"][0]["sessions"] == 8
    recorded = p.screenings.get()
    assert recorded.answered_at <= Consultation.objects.get(pk=data["id"]).signed_at
    assert not recorded.answers.filter(answer=True).exists()  # every review said absent
    assert clearance_for(p, treatment("microcurrent-therapy-face")).allowed


def test_signing_cleared_needs_the_patients_current_questionnaire(derm):
    """Issue 16: a "cleared" consultation was signed for a patient who had not answered the
    safety questionnaire, with no warning; she silently stayed "not cleared yet"."""
    p = patient()
    body = {
        "reviews": full_review(),
        "clearance": "cleared",
        "sign": True,
        "plans": [
            {"treatment": "microcurrent-therapy-face", "sessions": 8, "sessions_per_week": 2}
        ],
    }
    client = api(derm)
    refused = client.post(f"/api/patients/{p.pk}/consultations/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert "record_screening" in refused.json()["error"]["fields"]
    assert not Consultation.objects.filter(patient=p).exists()
    draft = client.post(
        f"/api/patients/{p.pk}/consultations/", {**body, "sign": False}, format="json"
    ).json()
    sign = f"/api/consultations/{draft['id']}/sign/"
    assert client.post(sign, {}, format="json").status_code == 400
    signed = client.post(sign, {"record_screening": True}, format="json")
    assert signed.status_code == 200, signed.content
    assert p.screenings.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            lambda: {"reviews": [{"contraindication": "unicorn-allergy", "status": "absent"}]},
            "reviews[0].contraindication",
        ),
        (lambda: {"reviews": full_review(**{"gold-threads": {"status": "present"}})}, "area"),
        (
            lambda: {
                "reviews": full_review(**{"skin-lesions": {"status": "present", "area": "face"}})
            },
            "review_date",
        ),
        (
            lambda: {
                "plans": [
                    {
                        "treatment": "microcurrent-therapy-face",
                        "sessions": 12,
                        "sessions_per_week": 2,
                    }
                ]
            },
            "plans[0].sessions",
        ),
        (
            lambda: {
                "plans": [
                    {
                        "treatment": "microcurrent-massage-face",
                        "sessions": 20,
                        "sessions_per_week": 1,
                    }
                ]
            },
            "plans[0].sessions_per_week",
        ),
        (lambda: {"fitzpatrick_type": 7}, "fitzpatrick_type"),
        (lambda: {"performed_on": str(timezone.localdate() + timedelta(days=2))}, "performed_on"),
        (
            lambda: {
                "reviews": full_review(),
                "clearance": "cleared",
                "sign": True,
                "indications": ["nope"],
            },
            "indications",
        ),
    ],
)
def test_bad_consultation_input_names_the_field_and_saves_nothing(derm, body, field):
    p = patient()
    response = api(derm).post(f"/api/patients/{p.pk}/consultations/", body(), format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert any(field in name for name in fields), fields
    assert not Consultation.objects.exists()


def test_a_systemic_contraindication_cannot_be_signed_as_cleared(derm):
    p = patient()
    body = {
        "reviews": full_review(pacemaker={"status": "present"}),
        "clearance": "cleared",
        "sign": True,
    }
    response = api(derm).post(f"/api/patients/{p.pk}/consultations/", body, format="json")
    assert response.status_code == 400
    assert "clearance" in response.json()["error"]["fields"]
    assert not Consultation.objects.exists()  # nothing half-saved


def test_signing_needs_every_contraindication_reviewed(derm):
    p = patient()
    body = {"reviews": full_review()[:3], "clearance": "cleared", "sign": True}
    response = api(derm).post(f"/api/patients/{p.pk}/consultations/", body, format="json")
    assert response.status_code == 400
    assert "reviews" in response.json()["error"]["fields"]


def test_a_signed_consultation_cannot_be_changed_only_amended(derm):
    p = patient()
    c = consult(p, dermatologist=derm)
    client = api(derm)
    response = client.patch(
        f"/api/consultations/{c.pk}/", {"anamnesis": "Rewritten"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "signed_read_only"
    c.refresh_from_db()
    assert c.anamnesis == "Healthy."

    response = client.post(
        f"/api/consultations/{c.pk}/amendments/",
        {
            "reason": "Patient recalled an allergy",
            "changes": {"anamnesis": "Healthy. Allergic to latex."},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"/api/consultations/{c.pk}/").json()
    assert detail["anamnesis"] == "Healthy. Allergic to latex."
    amendment = detail["amendments"][0]
    assert amendment["author"] == derm.username
    assert amendment["reason"] == "Patient recalled an allergy"
    assert amendment["changes"] == {
        "anamnesis": {"from": "Healthy.", "to": "Healthy. Allergic to latex."}
    }
    # The original is kept in the record's history too.
    assert next(h.anamnesis for h in c.history.order_by("history_date")) == "Healthy."
    assert c.history.count() >= 2


def test_an_amendment_needs_a_reason_and_cannot_break_the_clearance_rules(derm):
    p = patient()
    c = consult(
        p, dermatologist=derm, clearance="not_cleared", present={"epilepsy": {"status": "present"}}
    )
    client = api(derm)
    no_reason = client.post(
        f"/api/consultations/{c.pk}/amendments/",
        {"reason": "", "changes": {"anamnesis": "x"}},
        format="json",
    )
    assert no_reason.status_code == 400
    unsafe = client.post(
        f"/api/consultations/{c.pk}/amendments/",
        {"reason": "change of mind", "changes": {"clearance": "cleared"}},
        format="json",
    )
    assert unsafe.status_code == 400
    c.refresh_from_db()
    assert c.clearance == "not_cleared"
    assert not c.amendments.exists()


def test_reception_sees_the_clearance_status_but_not_the_notes(derm):
    p = patient()
    screen(p)
    c = consult(p, dermatologist=derm)
    desk = api(staff(Role.RECEPTION))
    detail = desk.get(f"/api/patients/{p.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    face = next(x for x in body["clearance"] if x["treatment_slug"] == "microcurrent-therapy-face")
    assert face["allowed"] is True
    assert "Healthy." not in detail.content.decode()
    assert desk.get(f"/api/consultations/{c.pk}/").status_code == 403
    assert desk.get(f"/api/patients/{p.pk}/consultations/").status_code == 403


def test_a_patient_cannot_read_another_patients_record(db):
    a, b = patient(), patient()
    response = api(a.user).get(f"/api/patients/{b.pk}/")
    assert response.status_code == 404
    assert str(b.last_name) not in response.content.decode()
    assert api(a.user).get(f"/api/patients/{a.pk}/").status_code == 200


def test_every_read_and_change_of_a_consultation_is_audited(derm):
    p = patient()
    c = consult(p, dermatologist=derm)
    before = AuditEvent.objects.count()
    client = api(derm)
    client.get(f"/api/consultations/{c.pk}/")
    client.get(f"/api/patients/{p.pk}/consultations/")
    client.post(
        f"/api/consultations/{c.pk}/amendments/",
        {"reason": "r", "changes": {"anamnesis": "y"}},
        format="json",
    )
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("read", derm.pk, str(c.pk)),
        ("read", derm.pk, str(c.pk)),
        ("amend", derm.pk, str(c.pk)),
    ]
    assert all(e.patient_id == p.pk and e.ip == "127.0.0.1" for e in events)


def test_the_consultation_list_takes_a_fixed_number_of_queries(derm, django_assert_max_num_queries):
    p = patient()
    for _ in range(3):
        consult(p, dermatologist=derm)
    client = api(derm)
    client.get(f"/api/patients/{p.pk}/")  # the token's first use reads its user's facts
    with django_assert_max_num_queries(16) as few:
        client.get(f"/api/patients/{p.pk}/consultations/")
    for _ in range(5):
        consult(p, dermatologist=derm)
    with django_assert_max_num_queries(len(few.captured_queries)):  # as many for 8 as for 3
        assert len(client.get(f"/api/patients/{p.pk}/consultations/").json()) == 8
