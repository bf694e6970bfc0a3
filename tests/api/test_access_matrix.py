"""Every API endpoint, as every kind of caller (SPEC S1, S8), with a token and with a
session.

Columns: anonymous, the patient whose record it is ("own"), another patient ("other"),
reception, dermatologist, manager, and a dermatologist with no authenticator app
("no 2fa"), who gets the second-factor refusal everywhere but the token endpoint. A cell
is "ok" (the caller got through to the endpoint: any answer but 401/403/404, and never a
5xx) or the exact refusal. Bodies are minimal: an allowed caller may get a 400 for them,
which still shows the door was open. Each cell is checked twice: with an API token (as
POST /api/auth/token/ issues it) and with a browser session (staff: one that passed the
second factor), because the rule must hold whatever authenticates the request.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment, Course, SessionRecord, WaitlistEntry, WaitlistOffer
from billing.models import PackagePlan
from billing.services.invoices import LineInput, invoice_issue
from billing.services.packages import package_sell
from billing.services.payments import payment_take
from clinic.audit import Actor
from clinic.roles import Role, roles_of
from clinic.tokens import api_token_issue
from patients.models import ConsentText
from patients.services import consent_sign
from patients.services.photos import photo_upload
from tests.appointments.clinic_setup import (
    at_clinic_now,
    build_clinic,
    days_ahead,
    local,
    started_today,
)
from tests.factories import api, consult, login_staff, patient, screen, staff, token_api
from tests.messaging.form_helpers import due_form
from tests.patients.photo_helpers import agree_to_photos, photo_bytes, private_files, upload_of
from tests.patients.signature_helpers import signature_data_url

pytestmark = at_clinic_now
__all__ = ["private_files"]  # a fixture: photos and PDFs go to a temporary directory

COLUMNS = ["anonymous", "own", "other", "reception", "dermatologist", "manager"]
NO_2FA = "no 2fa"  # a dermatologist without an authenticator app: its own column
OK = "ok"
A, F, N = 401, 403, 404  # anonymous, forbidden for the role, not found (not yours)

# (name, method, path, body, expected per column)
MATRIX: list[tuple[str, str, str, dict | None, list]] = [
    ("get token", "post", "/api/auth/token/", {}, [OK] * 6),
    ("log out", "post", "/api/auth/logout/", None, [A, OK, OK, OK, OK, OK]),
    ("log out everywhere", "post", "/api/auth/logout-all/", None, [A, OK, OK, OK, OK, OK]),
    ("treatments", "get", "/api/treatments/", None, [OK] * 6),
    ("treatment", "get", "/api/treatments/microcurrent-therapy-face/", None, [OK] * 6),
    ("practitioners", "get", "/api/practitioners/", None, [OK] * 6),
    (
        "availability",
        "get",
        "/api/availability/?treatment={face}&start={d1}&end={d2}",
        None,
        [OK] * 6,
    ),
    ("schema", "get", "/api/schema/", None, [OK] * 6),
    ("list appointments", "get", "/api/appointments/", None, [A, OK, OK, OK, OK, OK]),
    ("book", "post", "/api/appointments/", {}, [A, OK, OK, OK, OK, OK]),
    ("appointment", "get", "/api/appointments/{appt}/", None, [A, OK, N, OK, OK, OK]),
    ("cancel", "post", "/api/appointments/{appt}/cancel/", {}, [A, OK, N, OK, OK, OK]),
    ("cancel reasons", "get", "/api/cancel-reasons/", None, [A, OK, OK, OK, OK, OK]),
    ("reschedule", "post", "/api/appointments/{appt}/reschedule/", {}, [A, OK, N, OK, OK, OK]),
    ("check in", "post", "/api/appointments/{appt}/check-in/", {}, [A, F, F, OK, F, OK]),
    ("no-show", "post", "/api/appointments/{appt}/no-show/", {}, [A, F, F, OK, F, OK]),
    ("undo no-show", "post", "/api/appointments/{appt}/no-show/undo/", {}, [A, F, F, OK, F, OK]),
    (
        "read session record",
        "get",
        "/api/appointments/{visit}/session-record/",
        None,
        [A, F, F, F, OK, F],
    ),
    (
        "write session record",
        "post",
        "/api/appointments/{appt}/session-record/",
        {},
        [A, F, F, F, OK, F],
    ),
    ("sign session record", "post", "/api/session-records/{record}/sign/", {}, [A, F, F, F, OK, F]),
    (
        "amend session record",
        "post",
        "/api/session-records/{record}/amendments/",
        {},
        [A, F, F, F, OK, F],
    ),
    ("plan course", "post", "/api/courses/plan/", {}, [A, F, F, OK, OK, OK]),
    ("book course", "post", "/api/courses/", {}, [A, F, F, OK, OK, OK]),
    ("course", "get", "/api/courses/{course}/", None, [A, OK, N, OK, OK, OK]),
    ("reflow", "post", "/api/courses/{course}/reflow/", {}, [A, F, F, OK, OK, OK]),
    ("accept reflow", "post", "/api/courses/{course}/reflow/accept/", {}, [A, F, F, OK, OK, OK]),
    ("waitlist", "get", "/api/waitlist/", None, [A, OK, OK, OK, OK, OK]),
    ("join waitlist", "post", "/api/waitlist/", {}, [A, OK, OK, OK, OK, OK]),
    ("accept offer", "post", "/api/waitlist/offers/{offer}/accept/", {}, [A, OK, N, OK, OK, OK]),
    ("messages", "get", "/api/messages/", None, [A, F, F, OK, F, OK]),
    ("message preferences", "get", "/api/messages/preferences/", None, [A, OK, OK, F, F, F]),
    ("list patients", "get", "/api/patients/", None, [A, F, F, OK, OK, OK]),
    ("register patient", "post", "/api/patients/", {}, [A, F, F, OK, OK, OK]),
    ("patient", "get", "/api/patients/{pid}/", None, [A, OK, N, OK, OK, OK]),
    ("update patient", "patch", "/api/patients/{pid}/", {}, [A, OK, N, OK, F, OK]),
    ("merge", "post", "/api/patients/{pid}/merge/", {}, [A, F, F, OK, F, OK]),
    ("export", "get", "/api/patients/{pid}/export/", None, [A, OK, N, F, F, F]),
    ("erasure", "post", "/api/patients/{pid}/erasure/", {}, [A, OK, N, F, F, F]),
    ("screenings", "get", "/api/patients/{pid}/screenings/", None, [A, OK, N, F, OK, F]),
    ("answer screening", "post", "/api/patients/{pid}/screenings/", {}, [A, OK, N, OK, OK, F]),
    ("consent", "post", "/api/patients/{pid}/consents/", {}, [A, OK, N, OK, F, F]),
    (
        "answer a form",
        "post",
        "/api/patients/{pid}/forms/before-peel/responses/",
        {},
        [A, OK, N, OK, OK, F],
    ),
    ("consultations", "get", "/api/patients/{pid}/consultations/", None, [A, F, F, F, OK, F]),
    # Photos are clinical: reception takes them at the desk but never sees one (issue 19).
    ("patient photos", "get", "/api/patients/{pid}/photos/", None, [A, OK, N, F, OK, F]),
    ("photo image", "get", "/api/photos/{photo}/image/", None, [A, OK, N, F, OK, F]),
    ("photo thumbnail", "get", "/api/photos/{photo}/thumbnail/", None, [A, OK, N, F, OK, F]),
    ("signed consent pdf", "get", "/api/consents/{signed}/pdf/", None, [A, OK, N, OK, OK, OK]),
    (
        "new consultation",
        "post",
        "/api/patients/{pid}/consultations/",
        {"anamnesis": 5},
        [A, F, F, F, OK, F],
    ),
    ("consultation", "get", "/api/consultations/{consultation}/", None, [A, F, F, F, OK, F]),
    ("edit consultation", "patch", "/api/consultations/{consultation}/", {}, [A, F, F, F, OK, F]),
    (
        "sign consultation",
        "post",
        "/api/consultations/{consultation}/sign/",
        {},
        [A, F, F, F, OK, F],
    ),
    (
        "amend consultation",
        "post",
        "/api/consultations/{consultation}/amendments/",
        {},
        [A, F, F, F, OK, F],
    ),
    # Money (billing): dermatologists see none; patients their own, and pay online.
    ("invoices", "get", "/api/invoices/", None, [A, OK, OK, OK, F, OK]),
    ("issue invoice", "post", "/api/invoices/", {}, [A, F, F, OK, F, OK]),
    ("invoice", "get", "/api/invoices/{invoice}/", None, [A, OK, N, OK, F, OK]),
    ("receipt", "get", "/api/invoices/{invoice}/receipt/", None, [A, OK, N, OK, F, OK]),
    ("credit note", "post", "/api/invoices/{invoice}/credit-notes/", {}, [A, F, F, OK, F, OK]),
    ("pay invoice", "post", "/api/invoices/{invoice}/payments/", {}, [A, OK, N, OK, F, OK]),
    ("refund", "post", "/api/payments/{payment}/refunds/", {}, [A, F, F, OK, F, OK]),
    ("packages", "get", "/api/packages/", None, [A, OK, OK, OK, F, OK]),
    ("sell package", "post", "/api/packages/", {}, [A, F, F, OK, F, OK]),
    ("redeem package", "post", "/api/packages/{package}/redeem/", {}, [A, F, F, OK, F, OK]),
    ("refund package", "post", "/api/packages/{package}/refund/", {}, [A, F, F, OK, F, OK]),
    ("balance", "get", "/api/patients/{pid}/balance/", None, [A, OK, N, OK, F, OK]),
    ("checkout", "post", "/api/checkout/", {}, [A, F, F, OK, F, OK]),
    # The provider's webhook takes no credential: its signature is its authority (400).
    ("provider webhook", "post", "/api/billing/webhooks/test/", {}, [OK] * 6),
]


@pytest.fixture
def world(db, private_files):
    clinic = build_clinic(practitioners=1, rooms=2, devices=1)
    own, other = patient(), patient()
    screen(own)
    consultation = consult(own, plans={"microcurrent-massage-face": 20})
    desk = token_api(staff(Role.RECEPTION))

    def book(**body):
        return desk.post("/api/appointments/", {"patient": own.pk, **body}, format="json").json()

    appt = book(treatment=clinic.consultation.pk, start=local(days_ahead(3), 9).isoformat())
    visit = book(treatment=clinic.face.pk, start=local(days_ahead(4), 10).isoformat())
    start = started_today()
    Appointment.objects.filter(pk=visit["id"]).update(
        start=start,
        end=start + timedelta(minutes=45),
        blocked_until=start + timedelta(minutes=55),
        status="completed",
    )
    record = SessionRecord.objects.create(
        appointment_id=visit["id"],
        patient=own,
        current_ua=300,
        recommended_max_ua=600,
        frequency_hz=10,
        waveform="sine",
        areas=["face"],
        duration_minutes=30,
        created_by=staff(Role.DERMATOLOGIST),
    )
    course = Course.objects.create(
        patient=own,
        treatment=clinic.face,
        consultation=consultation,
        planned_sessions=8,
        preferred_weekdays=[0, 3],
        preferred_time="10:00",
        start_date=days_ahead(7),
    )
    entry = WaitlistEntry.objects.create(
        patient=own, treatment=clinic.consultation, earliest=days_ahead(1), latest=days_ahead(9)
    )
    money = _money(own, clinic)
    due_form("before-peel", due_before="")  # a form any patient may answer
    offer = WaitlistOffer.objects.create(
        entry=entry,
        start=local(days_ahead(5), 11),
        practitioner=clinic.practitioners[0],
        expires_at=local(days_ahead(5), 9),
    )
    ids = {
        "pid": own.pk,
        "appt": appt["id"],
        "visit": visit["id"],
        "record": record.pk,
        "course": course.pk,
        "offer": offer.pk,
        "consultation": consultation.pk,
        "face": clinic.face.pk,
        "d1": days_ahead(1),
        "d2": days_ahead(2),
        **money,
    }
    return {"own": own, "other": other, "ids": ids}


def _money(own, clinic) -> dict:
    """An invoice of the patient's, partly paid, and a package of theirs."""
    desk = Actor(user=staff(Role.RECEPTION))
    fee = LineInput(kind="fee", description="Fee", unit_price=Decimal("100.00"))
    invoice = invoice_issue(actor=desk, patient_id=own.pk, lines=[fee])
    payment = payment_take(actor=desk, invoice=invoice, method="cash", amount=Decimal("50.00"))
    plan = PackagePlan.objects.create(name="Face x10", sessions=10, price=Decimal("9000.00"))
    plan.treatments.set([clinic.face])
    package = package_sell(actor=desk, patient_id=own.pk, plan=plan)
    return {"invoice": invoice.pk, "payment": payment.pk, "package": package.pk}


def ids_for(path: str, world: dict) -> dict:
    """The world's ids; with a photo and a signed consent PDF made only for the rows that
    need them (a PDF takes WeasyPrint a moment: not for each of the matrix's cells)."""
    ids = world["ids"]
    if "{photo}" in path or "{signed}" in path:
        photo, signed = _photo_and_signed_consent(world["own"], ids["visit"])
        ids = {**ids, "photo": photo.pk, "signed": signed.pk}
    return ids


def _photo_and_signed_consent(own, visit_id: int):
    """A photo of the patient's session, and a consent (a new version) signed on screen."""
    agree_to_photos(own)
    data = photo_bytes()
    photo = photo_upload(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=own,
        appointment_id=visit_id,
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
    return photo, signed


def caller(column: str, world: dict):
    return {
        "anonymous": None,
        "own": world["own"].user,
        "other": world["other"].user,
        "reception": staff(Role.RECEPTION),
        "dermatologist": staff(Role.DERMATOLOGIST),
        "manager": staff(Role.MANAGER),
    }[column]


def session_api(user) -> APIClient:
    """A browser session on the API: staff logged in with both factors, patients with
    their password."""
    client = APIClient()
    if Role.PATIENT in roles_of(user):
        client.force_login(user)
    else:
        login_staff(client, user)
    return client


KINDS = {"token": token_api, "session": session_api}


def check(response, name: str, column: str, want) -> None:
    assert response.status_code < 500, (name, column, response.content[:300])
    if want == OK:
        assert response.status_code not in (401, 403, 404), (name, column, response.content[:300])
    else:
        assert response.status_code == want, (
            name,
            column,
            response.status_code,
            response.content[:300],
        )
        assert set(response.json()["error"]) >= {"code", "message", "fields"}


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("column", COLUMNS)
def test_access(world, column, kind, name, method, path, body, expected):
    user = caller(column, world)
    if user is None and kind != "token":
        pytest.skip("anonymous has no credential: one run is enough")
    client = KINDS[kind](user) if user else api()
    response = getattr(client, method)(path.format(**ids_for(path, world)), body, format="json")
    check(response, name, column, expected[COLUMNS.index(column)])


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
@pytest.mark.parametrize("kind", KINDS)
def test_staff_without_an_authenticator_app_are_refused_everywhere(
    world, kind, name, method, path, body, expected
):
    """Whatever authenticates them: a token (as one issued before the rule, or by hand) or
    a password-only session. Only the token endpoint, which reads no token, opens (to
    refuse them a token: tests/clinic/test_api_tokens.py); a session is refused there too."""
    dermatologist = staff(Role.DERMATOLOGIST)
    client = APIClient()
    if kind == "token":
        token, _ = api_token_issue(user=dermatologist)  # the issuers refuse: by hand
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client.force_login(dermatologist)
    if name == "schema":
        path += "?format=json"  # the refusal in JSON, not the schema's YAML
    response = getattr(client, method)(path.format(**ids_for(path, world)), body, format="json")
    # Neither takes a credential: they only open (the webhook to check its signature).
    if name in ("get token", "provider webhook") and kind == "token":
        check(response, name, NO_2FA, OK)
        return
    check(response, name, NO_2FA, F)
    assert response.json()["error"]["code"] == "second_factor_required", response.json()


def test_the_matrix_covers_every_api_endpoint(world):
    """Every named API route appears in the matrix (health and docs have their own tests)."""
    from django.urls import get_resolver, resolve

    api = get_resolver().namespace_dict["api"][1]
    names = {f"api:{name}" for name in api.reverse_dict if isinstance(name, str)}
    names -= {"api:health", "api:docs", "api:not-found"}
    covered = {
        resolve(path.format(**world["ids"], photo=1, signed=1).split("?")[0]).view_name
        for _, _, path, _, _ in MATRIX
    }
    assert names <= covered, sorted(names - covered)
