"""schemathesis `run --checks all` against the live schema (/api/schema/) of the production
server (gunicorn with the deployment's config, DEBUG off), once for each kind of caller:
a patient's, a receptionist's and a dermatologist's token, the three runs side by side.
Every operation, valid and invalid input (all of schemathesis' phases), bounded examples.
It passes only with 0 failures: no server error, every response as the schema says
(status, content type, headers, body), invalid input refused, valid input accepted,
undeclared methods answered 405.

The one setting that differs from schemathesis' defaults (tests/api/schemathesis.toml):
a 400 or 422 to schema-valid input counts as a business rule's refusal (a start outside
working hours, an end before a start): no schema can say which hours are free. Every
other check runs as `--checks all` runs it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from appointments.models import Appointment
from clinic.audit import Actor
from clinic.roles import Role
from patients.models import ConsentText
from patients.services import consent_sign
from patients.services.photos import photo_upload
from tests.appointments.clinic_setup import build_clinic, days_ahead, local, started_today
from tests.conftest import child_env, free_port, wait_until
from tests.desk.helpers import book
from tests.factories import api_token_for, consult, patient, screen, staff
from tests.patients.photo_helpers import agree_to_photos, photo_bytes, private_files, upload_of
from tests.patients.signature_helpers import signature_data_url
from tests.servers import start_gunicorn, stop_gunicorn

pytestmark = [pytest.mark.slow]
__all__ = ["private_files"]  # a fixture: photos and PDFs in a temporary directory

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 5  # per operation, phase and mode
CALLERS = ["patient", "reception", "dermatologist"]


def auth_header(user) -> str:
    """The Authorization header of an API client logged in as `user`: a token from the
    token service (staff have their second factor set up, as staff API access requires)."""
    return f"Token {api_token_for(user)}"


@dataclass
class Clinic:
    """Tokens of the three callers, and the ids schemathesis draws from half the time
    (otherwise it generates its own, which mostly answer 404)."""

    tokens: dict[str, str]
    ids: dict[str, list[int]]


def photo_and_signed_consent(me, face):
    """A photo of a session held today, and a consent signed on screen (issue 19), in the
    private storage that the server reads too (CLINIC_FILES_DIR, see `server`)."""
    held = book(me, face, local(days_ahead(2), 12))
    start = started_today()
    Appointment.objects.filter(pk=held.pk).update(
        start=start,
        end=start + (held.end - held.start),
        blocked_until=start + (held.blocked_until - held.start),
    )
    agree_to_photos(me)
    data = photo_bytes()
    photo = photo_upload(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=me,
        appointment_id=held.pk,
        pose="front",
        upload=upload_of(data),
        size=len(data),
    )
    ConsentText.objects.create(version=2, body="Version two.")
    signed = consent_sign(
        actor=Actor(user=me.user),
        patient=me,
        version=2,
        signature=signature_data_url(),
        ip=None,
        user_agent="tests",
    )
    return photo, signed


@pytest.fixture
def clinic(live_db, private_files) -> Clinic:
    built = build_clinic(practitioners=2, rooms=2, devices=1)
    me = patient()
    screen(me)
    consultation = consult(me, plans={"microcurrent-therapy-face": 8})
    other = patient(with_login=False)
    draft = consult(other, sign=False)
    visits = [book(me, built.face, local(days_ahead(n), 10 + n)) for n in (3, 4)]
    users = {
        "patient": me.user,
        "reception": staff(Role.RECEPTION),
        "dermatologist": staff(Role.DERMATOLOGIST),
    }
    photo, signed = photo_and_signed_consent(me, built.face)
    ids = {
        "photo_id": [photo.pk],
        "consent_id": [signed.pk],
        "patient_id": [me.pk, other.pk],
        "appointment_id": [v.pk for v in visits],
        "consultation_id": [consultation.pk, draft.pk],
        "treatment": [built.face.pk, built.consultation.pk],
        "practitioner": [p.pk for p in built.practitioners],
        "patient": [me.pk],
    }
    return Clinic({name: auth_header(user) for name, user in users.items()}, ids)


def write_config(ids: dict[str, list[int]], path: Path) -> Path:
    """tests/api/schemathesis.toml plus dictionaries of the ids that exist."""
    lines = [CONFIG.read_text(), "[parameters]"]
    for name in ids:
        where = "path" if name.endswith("_id") else "body"
        lines.append(f'"{where}.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {values!r}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our server)
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def server(live_db, private_files, tmp_path: Path) -> Iterator[str]:
    """gunicorn with one worker per schemathesis run, on a port of its own."""
    port = free_port()
    env = child_env(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(len(CALLERS)),
        CLINIC_FILES_DIR=str(private_files),
    )
    web = start_gunicorn(env, tmp_path / "web.log")
    base_url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(f"{base_url}/healthz"), timeout=30), (
            tmp_path / "web.log"
        ).read_text()
        yield base_url
    finally:
        stop_gunicorn(web)


def start_schemathesis(base_url: str, authorization: str, config: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/schema/",
        "--checks",
        "all",
        "--header",
        f"Authorization: {authorization}",
        # /api/health/ answers 503 by design when no Celery worker runs (none does here);
        # it has its own tests with a real worker. Logging out revokes the caller's token
        # mid-run: both have their own tests (tests/clinic/test_api_tokens.py).
        "--exclude-path",
        "/api/health/",
        "--exclude-path",
        "/api/auth/logout/",
        "--exclude-path",
        "/api/auth/logout-all/",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "15",
        "--no-color",
    ]
    # Run where the config is: schemathesis keeps its state (.schemathesis/) in its
    # working directory, which is then the test's temporary one, not the checkout.
    return subprocess.Popen(
        command, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_schemathesis_with_every_check_finds_no_failure(clinic, server, tmp_path):
    config = write_config(clinic.ids, tmp_path / "schemathesis.toml")
    runs = {name: start_schemathesis(server, clinic.tokens[name], config) for name in CALLERS}
    outputs = {name: run.communicate(timeout=900)[0] for name, run in runs.items()}
    for name, text in outputs.items():
        print(f"== {name} ==", *text.splitlines()[-12:], sep="\n")  # the summary
        selected = re.search(r"Selected: (\d+)/\d+", text)
        tested = re.search(r"Tested: (\d+)", text)
        assert selected and tested, text
        assert int(selected[1]) > 40 and tested[1] == selected[1], text  # every operation ran
    failed = {name: outputs[name] for name, run in runs.items() if run.returncode != 0}
    assert not failed, "\n\n".join(
        f"== {name} ==\n{text[-15000:]}" for name, text in failed.items()
    )
