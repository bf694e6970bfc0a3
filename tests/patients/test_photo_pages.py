"""Photo pages and the photo file URL: who reaches which photo (a patient only their own,
reception and the manager none, whatever the URL), an audit row for every view, the
comparison with the sessions' scores, uploads at the desk and the chart, and the photo
consent with its purposes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clinic.audit import Actor
from clinic.models import AuditEvent
from clinic.roles import Role
from patients.models import Photo, PhotoPurpose
from patients.photo_selectors import photos_for_use
from patients.services.photos import photo_upload
from patients.services.privacy import patient_erase, patient_export
from tests.appointments.clinic_setup import at_clinic_now, build_clinic
from tests.desk.helpers import FACE, client_for
from tests.factories import consult, patient, screen, staff
from tests.patients.photo_helpers import (
    agree_to_photos,
    photo_bytes,
    private_files,
    session,
    stored_files,
    upload_of,
)

pytestmark = [pytest.mark.django_db, at_clinic_now]
__all__ = ["private_files"]


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=1, rooms=1, devices=1)


def _patient_with_login():
    p = patient()
    screen(p)
    consult(p, plans={FACE: 8})
    agree_to_photos(p, PhotoPurpose.CLINICAL, PhotoPurpose.MARKETING)
    return p


def _photo(a, pose: str = "front", colour_size=(60, 40)) -> Photo:
    data = photo_bytes(colour_size)
    return photo_upload(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=a.patient,
        appointment_id=a.pk,
        pose=pose,
        upload=upload_of(data),
        size=len(data),
    )


@pytest.fixture
def course(clinic, private_files):
    """A patient with three sessions: the first and the latest with a front photo, and
    the clinician's scores of each; and another patient with a photo of their own."""
    p = _patient_with_login()
    first = session(p, clinic.face, days_ago=21, tone_clinician=3, puffiness_clinician=7)
    middle = session(p, clinic.face, days_ago=14, tone_clinician=5)
    latest = session(p, clinic.face, days_ago=0, tone_clinician=8, puffiness_clinician=2)
    photos = [_photo(first), _photo(middle), _photo(latest), _photo(latest, "left_45")]
    other = _patient_with_login()
    other_photo = _photo(session(other, clinic.face, days_ago=7))
    return p, photos, other, other_photo


def _own_client(p) -> Client:
    client = Client()
    client.force_login(p.user)
    return client


def _reads() -> int:
    return AuditEvent.objects.filter(action="read", object_type="patients.photo").count()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("own", 200),
        ("other", 404),
        ("reception", 403),
        ("dermatologist", 200),
        ("manager", 403),
    ],
)
def test_a_photo_file_reaches_only_its_patient_and_dermatologists(course, who, expected):
    p, photos, other, _other_photo = course
    client = {
        "anonymous": Client(),
        "own": _own_client(p),
        "other": _own_client(other),
        "reception": client_for(Role.RECEPTION),
        "dermatologist": client_for(Role.DERMATOLOGIST),
        "manager": client_for(Role.MANAGER),
    }[who]
    before = _reads()
    for variant in ("full", "thumb"):
        response = client.get(f"/photos/{photos[0].pk}/{variant}/")
        assert response.status_code == expected, variant
        if expected == 200:
            body = b"".join(response.streaming_content)
            assert body[:3] == b"\xff\xd8\xff"  # a JPEG
            assert response["Content-Type"] == "image/jpeg"
            assert "no-store" in response["Cache-Control"]
    assert _reads() - before == (2 if expected == 200 else 0)


def test_every_view_of_a_photo_writes_its_own_audit_row(course):
    p, photos, _other, _ = course
    client = _own_client(p)
    for _ in range(3):
        assert client.get(f"/photos/{photos[0].pk}/full/").status_code == 200
    rows = AuditEvent.objects.filter(action="read", object_type="patients.photo")
    assert rows.count() == 3
    assert {(r.object_id, r.patient_id, r.actor_id) for r in rows} == {
        (str(photos[0].pk), p.pk, p.user.pk)
    }


def test_no_url_shape_reaches_a_photo_otherwise(course):
    p, photos, other, other_photo = course
    client = _own_client(p)
    assert client.get(f"/photos/{other_photo.pk}/full/").status_code == 404
    assert client.get(f"/photos/{photos[0].pk}/original/").status_code == 404
    assert client.get(f"/photos/{photos[0].pk}/full/", {"patient": other.pk}).status_code == 200
    assert client.post(f"/photos/{photos[0].pk}/full/").status_code in (403, 405)
    # No static or media URL serves the private files.
    name = photos[0].file_name
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(prefix + name, follow=True).status_code == 404


def test_the_patient_compares_only_their_own_photos(course):
    p, photos, _other, other_photo = course
    page = _own_client(p).get("/me/photos/").content.decode()
    shown = {int(x) for x in re.findall(r"/photos/(\d+)/(?:full|thumb)/", page)}
    assert shown == {ph.pk for ph in photos}
    assert other_photo.pk not in shown
    # First session's and the latest's photo of the front pose, with their scores.
    assert f"/photos/{photos[0].pk}/full/" in page and f"/photos/{photos[2].pk}/full/" in page
    assert re.search(r"<dt>Tone</dt><dd>3</dd>.*<dt>Tone</dt><dd>8</dd>", page, re.S)


def test_the_chart_compares_any_two_chosen_photos_of_a_pose(course):
    p, photos, _other, _ = course
    derm = client_for(Role.DERMATOLOGIST)
    url = f"/chart/patients/{p.pk}/photos/"
    page = derm.get(url, {"pose": "front", "before": photos[1].pk, "after": photos[2].pk})
    text = page.content.decode()
    assert page.status_code == 200
    pair = re.findall(r'<figure class="photo-figure">.*?/photos/(\d+)/full/', text, re.S)
    assert pair == [str(photos[1].pk), str(photos[2].pk)]
    assert re.search(r"<dt>Tone</dt><dd>5</dd>.*<dt>Tone</dt><dd>8</dd>", text, re.S)
    # A pose with one photo only: nothing to compare, said so.
    page = derm.get(url, {"pose": "left_45"}).content.decode()
    assert "Two photos of this pose are needed to compare." in page
    # An id of another pose or patient falls back to the default pair, never shows it.
    page = derm.get(url, {"pose": "front", "before": photos[3].pk}).content.decode()
    pair = re.findall(r'<figure class="photo-figure">.*?/photos/(\d+)/full/', page, re.S)
    assert pair == [str(photos[0].pk), str(photos[2].pk)]


@pytest.mark.parametrize(
    ("role", "chart", "desk"),
    [
        (None, 302, 302),
        (Role.PATIENT, 403, 403),
        (Role.RECEPTION, 403, 200),
        (Role.DERMATOLOGIST, 200, 403),
        (Role.MANAGER, 403, 403),
    ],
)
def test_who_opens_the_chart_and_desk_photo_pages(course, role, chart, desk):
    p, *_ = course
    client = client_for(role)
    assert client.get(f"/chart/patients/{p.pk}/photos/").status_code == chart
    assert client.get(f"/desk/patients/{p.pk}/photos/").status_code == desk
    assert client.get(f"/desk/patients/{p.pk}/photo-consent/").status_code == desk


def test_reception_uploads_at_the_desk_but_never_sees_a_photo(course, private_files):
    p, photos, *_ = course
    reception = client_for(Role.RECEPTION)
    page = reception.get(f"/desk/patients/{p.pk}/photos/").content.decode()
    assert 'accept="image/*"' in page and "capture=" in page
    assert "/photos/" not in page.replace(f"/desk/patients/{p.pk}/photos/", "")
    latest = photos[2].appointment_id
    data = photo_bytes((80, 60))
    response = reception.post(
        f"/desk/patients/{p.pk}/photos/",
        {"appointment": latest, "pose": "right_profile", "image": upload_of(data)},
    )
    assert response.status_code == 302
    assert Photo.objects.filter(patient=p, pose="right_profile", appointment_id=latest).exists()
    page = reception.get(response["Location"]).content.decode()
    assert not re.search(r"/photos/\d+/(full|thumb)/", page)


def test_a_bad_upload_on_the_page_shows_the_error_beside_the_field(course, private_files):
    p, photos, *_ = course
    files_before = stored_files(private_files)
    derm = client_for(Role.DERMATOLOGIST)
    response = derm.post(
        f"/chart/patients/{p.pk}/photos/",
        {
            "appointment": photos[0].appointment_id,
            "pose": "front",
            "image": upload_of(b"just text", "notes.jpg"),
        },
    )
    assert response.status_code == 400
    assert "This file is not a photo we can read." in response.content.decode()
    response = derm.post(
        f"/chart/patients/{p.pk}/photos/",
        {"appointment": photos[0].appointment_id, "pose": "back", "image": upload_of(b"x")},
    )
    assert response.status_code == 400
    assert Photo.objects.count() == 5 and stored_files(private_files) == files_before


def test_a_session_of_another_patient_is_not_offered_nor_accepted(course, private_files):
    p, _photos, _other, other_photo = course
    response = client_for(Role.DERMATOLOGIST).post(
        f"/chart/patients/{p.pk}/photos/",
        {
            "appointment": other_photo.appointment_id,
            "pose": "front",
            "image": upload_of(photo_bytes()),
        },
    )
    assert response.status_code == 400
    assert not Photo.objects.filter(patient=p, appointment_id=other_photo.appointment_id).exists()


def test_withdrawing_marketing_consent_takes_the_photos_out_of_marketing_at_once(course):
    p, photos, _other, other_photo = course
    marketing = {ph.pk for ph in photos_for_use(PhotoPurpose.MARKETING)}
    assert {ph.pk for ph in photos} | {other_photo.pk} == marketing
    client = _own_client(p)
    response = client.post("/me/photos/", {"purposes": ["clinical"]})
    assert response.status_code == 302
    assert {ph.pk for ph in photos_for_use(PhotoPurpose.MARKETING)} == {other_photo.pk}
    assert not photos_for_use(PhotoPurpose.TEACHING).exists()
    # The clinical record keeps them: the dermatologist still sees them.
    assert client.get(f"/photos/{photos[0].pk}/full/").status_code == 200
    withdrawal = AuditEvent.objects.get(action="photo_consent", patient_id=p.pk, actor=p.user)
    assert withdrawal.detail == {"granted": [], "withdrawn": ["marketing"]}
    assert client.post("/me/photos/", {"purposes": ["fame"]}).status_code == 400


def test_the_export_holds_the_photos_and_erasure_keeps_them_with_the_record(course):
    p, photos, _other, other_photo = course
    actor = Actor(user=p.user)
    exported = patient_export(actor=actor, patient=p)
    rows = exported["records"]["patients.photo"]
    assert {r["pk"] for r in rows} == {ph.pk for ph in photos}
    files = exported["photos"]
    assert {f["id"] for f in files} == {ph.pk for ph in photos}  # not other_photo
    assert other_photo.pk not in {r["pk"] for r in rows}
    assert all(f["jpeg_base64"].startswith("/9j/") for f in files)  # JPEG, base64
    patient_erase(actor=actor, patient=p)
    assert Photo.objects.filter(patient=p).count() == len(photos)  # clinical retention
    assert not photos_for_use(PhotoPurpose.MARKETING).filter(patient=p).exists()
    assert p.photo_consents.filter(withdrawn_at__isnull=True).get().purpose == "clinical"
