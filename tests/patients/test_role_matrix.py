"""Every role against every patients endpoint, as a table (SPEC S1, S8).

Roles: anonymous, the patient themself ("own"), another patient ("other"), reception,
dermatologist, manager. A cell is the status the endpoint must answer.
"""

import pytest
from django.utils import timezone

from clinic.roles import Role
from patients.models import Consultation
from tests.factories import (
    all_contraindications,
    api,
    consult,
    patient,
    screen,
    staff,
    treatment,
)
from tests.patients.photo_helpers import private_files
from tests.patients.signature_helpers import signature_data_url

__all__ = ["private_files"]  # a fixture: photos and PDFs in a temporary directory
COLUMNS = ["anonymous", "own", "other", "reception", "dermatologist", "manager"]

# (name, method, path template, body maker, expected per column)
MATRIX = [
    ("list patients", "get", "/api/patients/", None, [401, 403, 403, 200, 200, 200]),
    ("register patient", "post", "/api/patients/", "new_patient", [401, 403, 403, 201, 201, 201]),
    ("patient detail", "get", "/api/patients/{pid}/", None, [401, 200, 404, 200, 200, 200]),
    ("update patient", "patch", "/api/patients/{pid}/", "patch", [401, 200, 404, 200, 403, 200]),
    (
        "merge patients",
        "post",
        "/api/patients/{pid}/merge/",
        "merge",
        [401, 403, 403, 200, 403, 200],
    ),
    ("export own data", "get", "/api/patients/{pid}/export/", None, [401, 200, 404, 403, 403, 403]),
    (
        "erase own data",
        "post",
        "/api/patients/{pid}/erasure/",
        "erase",
        [401, 201, 404, 403, 403, 403],
    ),
    (
        "read screenings",
        "get",
        "/api/patients/{pid}/screenings/",
        None,
        [401, 200, 404, 403, 200, 403],
    ),
    (
        "submit screening",
        "post",
        "/api/patients/{pid}/screenings/",
        "screening",
        [401, 201, 404, 201, 201, 403],
    ),
    (
        "accept consent",
        "post",
        "/api/patients/{pid}/consents/",
        "consent",
        [401, 201, 404, 201, 403, 403],
    ),
    (
        "list consultations",
        "get",
        "/api/patients/{pid}/consultations/",
        None,
        [401, 403, 403, 403, 200, 403],
    ),
    (
        "create consultation",
        "post",
        "/api/patients/{pid}/consultations/",
        "consultation",
        [401, 403, 403, 403, 201, 403],
    ),
    (
        "consultation detail",
        "get",
        "/api/consultations/{cid}/",
        None,
        [401, 403, 403, 403, 200, 403],
    ),
    (
        "edit draft consultation",
        "patch",
        "/api/consultations/{draft}/",
        "draft_patch",
        [401, 403, 403, 403, 200, 403],
    ),
    (
        "sign consultation",
        "post",
        "/api/consultations/{draft}/sign/",
        "empty",
        [401, 403, 403, 403, 200, 403],
    ),
    (
        "amend consultation",
        "post",
        "/api/consultations/{cid}/amendments/",
        "amend",
        [401, 403, 403, 403, 201, 403],
    ),
    # Photos are clinical: reception takes them at the desk, never sees one (issue 19).
    ("list photos", "get", "/api/patients/{pid}/photos/", None, [401, 200, 404, 403, 200, 403]),
    ("photo image", "get", "/api/photos/{photo}/image/", None, [401, 200, 404, 403, 200, 403]),
    (
        "photo thumbnail",
        "get",
        "/api/photos/{photo}/thumbnail/",
        None,
        [401, 200, 404, 403, 200, 403],
    ),
    (
        "signed consent pdf",
        "get",
        "/api/consents/{signed}/pdf/",
        None,
        [401, 200, 404, 200, 200, 200],
    ),
]


def bodies(name: str, ctx: dict) -> dict | None:
    return {
        None: None,
        "empty": {},
        "erase": {"confirm": True},
        "new_patient": {
            "first_name": "New",
            "last_name": "Person",
            "date_of_birth": "1990-02-03",
            "email": f"new-{ctx['column']}@example.com",
        },
        "patch": {"preferred_language": "uk"},
        "merge": {"duplicate": ctx["dup"]},
        "screening": {"answers": {slug: False for slug in all_contraindications()}},
        "consent": {"version": 1, "signature": signature_data_url()},
        "consultation": {"anamnesis": "Notes", "performed_on": str(timezone.localdate())},
        "draft_patch": {"anamnesis": "Updated"},
        "amend": {
            "reason": "Typo in anamnesis",
            "changes": {"anamnesis": f"Fixed {ctx['column']}"},
        },
    }[name]


@pytest.fixture
def world(db):
    own = patient(consented=False)  # signs version 1 in the "accept consent" row
    other = patient()
    screen(own)
    dermatologist = staff(Role.DERMATOLOGIST)
    signed = consult(own, dermatologist=dermatologist)
    return {"own": own, "other": other, "dermatologist": dermatologist, "signed": signed}


def caller(column: str, world: dict):
    return {
        "anonymous": None,
        "own": world["own"].user,
        "other": world["other"].user,
        "reception": staff(Role.RECEPTION),
        "dermatologist": world["dermatologist"],
        "manager": staff(Role.MANAGER),
    }[column]


def photo_and_pdf(own) -> dict[str, int]:
    """A photo of the patient's last session and a consent they signed on screen (only for
    the rows that need them: a PDF takes WeasyPrint a moment)."""
    from clinic.audit import Actor
    from patients.models import ConsentText
    from patients.services import consent_sign
    from patients.services.photos import photo_upload
    from tests.appointments.clinic_setup import build_clinic
    from tests.patients.photo_helpers import agree_to_photos, photo_bytes, session, upload_of
    from tests.patients.signature_helpers import signature_data_url

    held = session(own, build_clinic(practitioners=1).consultation, days_ago=1)
    agree_to_photos(own)
    data = photo_bytes()
    photo = photo_upload(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=own,
        appointment_id=held.pk,
        pose="front",
        upload=upload_of(data),
        size=len(data),
    )
    ConsentText.objects.create(version=2, body="Version two.")
    signed = consent_sign(
        actor=Actor(user=own.user),
        patient=own,
        version=2,
        signature=signature_data_url(),
        ip=None,
        user_agent="tests",
    )
    return {"photo": photo.pk, "signed": signed.pk}


@pytest.mark.parametrize(
    ("name", "method", "template", "body", "expected"), MATRIX, ids=[r[0] for r in MATRIX]
)
@pytest.mark.parametrize("column", COLUMNS)
def test_role_matrix(world, private_files, column, name, method, template, body, expected):
    own = world["own"]
    draft = Consultation.objects.create(patient=own, dermatologist=world["dermatologist"])
    ctx = {"column": column, "dup": patient().pk}
    files = photo_and_pdf(own) if "{photo}" in template or "{signed}" in template else {}
    path = template.format(pid=own.pk, cid=world["signed"].pk, draft=draft.pk, **files)
    if name == "sign consultation":  # a draft that can be signed: review everything first
        from clinic.audit import Actor
        from patients import services

        services.consultation_update(
            actor=Actor(user=world["dermatologist"]),
            consultation=draft,
            clearance="cleared",
            reviews=[
                services.ReviewInput(contraindication=s, status="absent")
                for s in all_contraindications()
            ],
            plans=[
                services.PlanInput(
                    treatment=treatment("microcurrent-therapy-face"),
                    sessions=8,
                    sessions_per_week=2,
                )
            ],
        )
    response = getattr(api(caller(column, world)), method)(path, bodies(body, ctx), format="json")
    want = expected[COLUMNS.index(column)]
    assert response.status_code == want, (column, name, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message", "fields"}


def test_matrix_covers_every_patients_endpoint():
    from django.urls import get_resolver

    from patients import api_urls

    paths = {str(p.pattern) for p in api_urls.urlpatterns}
    covered = {
        t.removeprefix("/api/")
        .replace("{pid}", "<int:patient_id>")
        .replace("{cid}", "<int:consultation_id>")
        .replace("{draft}", "<int:consultation_id>")
        .replace("{photo}", "<int:photo_id>")
        .replace("{signed}", "<int:consent_id>")
        for _, _, t, _, _ in MATRIX
    }
    # The form-answers endpoint needs a published form: its row is in the API's access
    # table (tests/api/test_access_matrix.py, every role with a token and a session).
    from tests.api.test_access_matrix import MATRIX as ACCESS

    covered |= {
        t.removeprefix("/api/")
        .replace("{pid}", "<int:patient_id>")
        .replace("/forms/before-peel/", "/forms/<slug:slug>/")
        for _, _, t, _, _ in ACCESS
    }
    assert paths <= covered, paths - covered
    assert get_resolver() is not None
