"""Photos and the signed consent in a real Chromium: the dermatologist uploads two photos
of one pose (the first session and the latest), compares them beside the sessions'
scores, the patient sees the same comparison and withdraws the marketing consent; the
patient signs a new consent version on screen (refused while empty) and downloads the
PDF, read back with pypdf. Screenshots go to screenshots/photos/ (copied to
docs/screenshots/ for the closing note)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from appointments.models import Appointment
from appointments.services.courses import SessionChoice, course_book
from chart.services import session_record_create
from clinic.audit import Actor
from clinic.models import AuditEvent
from demo.data import DEMO_PASSWORD
from patients.models import ConsentAcceptance, ConsentText, Consultation, Photo, PhotoPurpose
from patients.photo_selectors import photos_for_use
from tests.browser.pages import log_in
from tests.browser.signing import draw_signature
from tests.browser.staff_login import login_staff
from tests.browser.test_staff_web import at, demo_patient, next_weekday, practitioner, user
from tests.patients.photo_helpers import agree_to_photos, photo_bytes, private_files
from treatments.models import Treatment

pytestmark = pytest.mark.browser
__all__ = ["private_files"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "photos"
FACE = "microcurrent-therapy-face"


def _two_recorded_sessions(anna) -> list[Appointment]:
    """A face course whose first session was three weeks ago and whose latest was two
    days ago, both recorded with the clinician's scores (booked at any hour of the run)."""
    monday = next_weekday(0)
    starts = [at(monday + timedelta(days=7 * (i // 2) + 3 * (i % 2)), 11) for i in range(8)]
    course = course_book(
        actor=Actor(user=user("reception")),
        patient=anna,
        treatment=Treatment.objects.get(slug=FACE),
        consultation=Consultation.objects.filter(patient=anna).first(),
        choices=[SessionChoice(s, practitioner("dermatologist").pk) for s in starts],
        weekdays=[0, 3],
        time_of_day=time(11),
        start_date=monday,
    )
    sessions = list(course.appointments.order_by("start"))[:2]
    for a, days_ago, tone in ((sessions[0], 21, 3), (sessions[1], 2, 8)):
        day = timezone.localdate() - timedelta(days=days_ago)
        Appointment.objects.filter(pk=a.pk).update(
            start=at(day, 11),
            end=at(day, 11, 45),
            blocked_until=at(day, 11, 55),
            status="completed",
        )
        a.refresh_from_db()
        session_record_create(
            actor=Actor(user=user("dermatologist")),
            appointment=a,
            sign=True,
            current_ua=400,
            frequency_hz="10.00",
            waveform="biphasic",
            areas=["face"],
            duration_minutes=45,
            tone_clinician=tone,
            puffiness_clinician=10 - tone,
            elasticity_clinician=tone - 1,
        )
    return sessions


def _face_photo(path: Path, tint: tuple[int, int, int]) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), (236, 230, 224))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 150, 450, 600), fill=tint)  # a face-shaped oval
    draw.ellipse((230, 300, 270, 330), fill=(60, 50, 40))
    draw.ellipse((330, 300, 370, 330), fill=(60, 50, 40))
    draw.arc((240, 420, 360, 500), 20, 160, fill=(120, 60, 60), width=6)
    image.save(path, "JPEG", exif=Image.open(io.BytesIO(photo_bytes())).getexif().tobytes())
    return path


def _upload(page: Page, session_label: str, photo: Path) -> None:
    form = page.locator("form.photo-upload")
    form.get_by_label("Session").select_option(label=session_label)
    form.get_by_label("Pose").select_option(label="Front")
    page.locator("#id_image").set_input_files(str(photo))
    page.get_by_role("button", name="Save the photo").click()
    expect(page.locator(".messages")).to_contain_text("The photo is saved.")


def _label(page: Page, a: Appointment) -> str:
    options = page.get_by_label("Session").locator("option").all_text_contents()
    day = f"{timezone.localtime(a.start):%H:%M}"
    matching = [o for o in options if day in o and str(timezone.localtime(a.start).day) in o]
    assert matching, options
    return matching[0]


def _images_loaded(page: Page) -> int:
    return page.evaluate(
        "Array.from(document.querySelectorAll('.photo-figure img'))"
        ".filter(img => img.complete && img.naturalWidth > 0).length"
    )


def _wait_for_images(page: Page, count: int) -> None:
    """Until `count` compared photos have loaded (polled from here: the page's CSP
    forbids the eval that wait_for_function's string predicates need)."""
    for _ in range(100):
        if _images_loaded(page) == count:
            return
        page.wait_for_timeout(100)
    assert _images_loaded(page) == count


def test_two_photos_of_one_pose_are_compared_and_marketing_consent_withdrawn(
    page: Page, clinic: str, private_files, tmp_path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    anna = demo_patient("patient1")
    agree_to_photos(anna, PhotoPurpose.CLINICAL, PhotoPurpose.MARKETING)
    first, latest = _two_recorded_sessions(anna)

    login_staff(page, clinic, "dermatologist", DEMO_PASSWORD)
    page.goto(f"{clinic}/chart/patients/{anna.pk}/")
    page.get_by_role("link", name="Photos", exact=True).click()
    expect(page.locator("#id_image")).to_have_attribute("accept", "image/*")
    # Bad input on the page: a text file is refused beside the field, nothing stored.
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    page.locator("#id_image").set_input_files(str(text))
    page.get_by_role("button", name="Save the photo").click()
    expect(page.locator(".field.invalid")).to_contain_text("This file is not a photo we can read.")
    assert not Photo.objects.exists()

    _upload(page, _label(page, first), _face_photo(tmp_path / "first.jpg", (214, 170, 150)))
    _upload(page, _label(page, latest), _face_photo(tmp_path / "latest.jpg", (226, 190, 170)))
    before, after = Photo.objects.order_by("appointment__start")
    assert (before.appointment_id, after.appointment_id) == (first.pk, latest.pk)

    figures = page.locator(".photo-figure")
    expect(figures).to_have_count(2)
    expect(figures.nth(0)).to_contain_text("Before")
    expect(figures.nth(0).locator("dd").first).to_have_text("3")
    expect(figures.nth(1)).to_contain_text("After")
    expect(figures.nth(1).locator("dd").first).to_have_text("8")
    _wait_for_images(page, 2)
    page.screenshot(path=str(SCREENSHOTS / "photo-compare.png"), full_page=True)
    reads = AuditEvent.objects.filter(action="read", object_type="patients.photo")
    assert reads.filter(actor__username="dermatologist").count() >= 2

    # The patient: the same comparison of her own photos, then marketing withdrawn.
    page.context.clear_cookies()
    log_in(page, clinic, "patient1")
    page.get_by_role("link", name="My photos and photo consent").click()
    expect(page.locator(".photo-figure")).to_have_count(2)
    _wait_for_images(page, 2)
    assert set(photos_for_use(PhotoPurpose.MARKETING)) == {before, after}
    marketing = page.get_by_label("Marketing")
    expect(marketing).to_be_checked()
    marketing.uncheck()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.locator(".messages")).to_contain_text("The photo consent is saved.")
    expect(page.get_by_label("Marketing")).not_to_be_checked()
    expect(page.get_by_label("My clinical record")).to_be_checked()
    assert not photos_for_use(PhotoPurpose.MARKETING).exists()
    assert reads.filter(actor__username="patient1").count() >= 2


def test_a_new_consent_version_is_signed_on_screen_and_the_pdf_downloaded(
    page: Page, clinic: str, private_files
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    anna = demo_patient("patient1")
    ConsentText.objects.create(
        version=2,
        body=(
            "I agree to microcurrent therapy of the face as my dermatologist planned it.\n\n"
            "I have told the clinic of every implant, pacemaker, pregnancy and skin "
            "condition, and will tell them of any change before a session."
        ),
    )
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/me/consent/")
    expect(page.get_by_text("Version 2", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator(".field.invalid")).to_contain_text("the signature is empty")
    assert not ConsentAcceptance.objects.filter(patient=anna, consent__version=2).exists()

    page.goto(f"{clinic}/me/consent/")
    draw_signature(page)
    page.screenshot(path=str(SCREENSHOTS / "consent-signing.png"), full_page=True)
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator(".messages")).to_contain_text("consent is recorded")
    signed = ConsentAcceptance.objects.get(patient=anna, consent__version=2)
    assert "Chrom" in signed.user_agent and signed.ip == "127.0.0.1"

    page.goto(f"{clinic}/me/consent/")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the signed PDF").click()
    pdf_path = SCREENSHOTS / "consent-signed.pdf"
    caught.value.save_as(str(pdf_path))
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Anna Bondarenko" in text and "Version 2" in text
    assert len(reader.pages[0].images) == 1  # the drawn signature
    import hashlib

    assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == signed.pdf_sha256
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-singlefile",
                str(pdf_path),
                str(SCREENSHOTS / "consent-signed-pdf"),
            ],
            check=True,
        )
