"""The catalog matches the seed texts, item by item."""

import re
from pathlib import Path

import pytest

from treatments.models import Contraindication, Indication, Treatment

SEEDS = Path(__file__).resolve().parents[2] / "treatments" / "seeds"
SHARED_SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def bullets_between(text: str, start: str, end: str) -> list[str]:
    section = text[text.index(start) + len(start) : text.index(end)]
    items = re.findall(r"^\s*•\s*(.+?);?\.?\s*$", section, flags=re.M)
    return [i.strip().rstrip(";.") for i in items]


def seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text()


SEED_000_INDICATIONS = bullets_between(
    seed("000"), "microcurrents are recommended for:", "There are some contraindications"
)
SEED_000_CONTRAINDICATIONS = bullets_between(
    seed("000"), "contraindications to microcurrents:", "Experienced dermatologists"
)
SEED_003_INDICATIONS = bullets_between(
    seed("003"), "in the following cases:", "Microcurrent massage is prescribed before surgery"
)


def test_the_repository_copy_of_the_seeds_is_the_shared_one():
    if not SHARED_SEEDS.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    for shared in SHARED_SEEDS.glob("*.txt"):
        assert (SEEDS / shared.name).read_text() == shared.read_text()


def test_the_seed_lists_are_the_sizes_the_spec_names():
    assert len(SEED_000_INDICATIONS) == 12
    assert len(SEED_000_CONTRAINDICATIONS) == 10
    assert len(SEED_003_INDICATIONS) == 5


@pytest.mark.django_db
def test_every_seed_indication_is_in_the_catalog_api(client):
    response = client.get("/api/treatments/")
    assert response.status_code == 200
    listed = {i["source_text"].rstrip(".") for t in response.json() for i in t["indications"]}
    for item in SEED_000_INDICATIONS + SEED_003_INDICATIONS:
        assert item in listed, item
    assert any("before surgery" in i for i in listed)
    assert Indication.objects.count() == 12 + 5 + 1


@pytest.mark.django_db
def test_every_seed_contraindication_is_in_the_catalog_api_with_scope_and_kind(client):
    data = client.get("/api/treatments/").json()
    face = client.get("/api/treatments/microcurrent-therapy-face/").json()
    by_text = {c["source_text"]: c for c in face["contraindications"]}
    assert sorted(by_text) == sorted(SEED_000_CONTRAINDICATIONS)
    expected = {
        "exacerbations of diseases of the cardiovascular system": ("systemic", "temporary"),
        "epilepsy": ("systemic", "permanent"),
        "malignant tumors": ("systemic", "permanent"),
        "pregnancy and breastfeeding": ("systemic", "temporary"),
        "presence of an artificial pacemaker": ("systemic", "permanent"),
        "cardiac arrhythmias": ("systemic", "permanent"),
        "presence of gold threads in the treated area": ("local", "permanent"),
        "skin lesions": ("local", "temporary"),
        "atopic dermatitis": ("local", "permanent"),
        "inflammatory elements": ("local", "temporary"),
    }
    for text, (scope, kind) in expected.items():
        assert (by_text[text]["scope"], by_text[text]["kind"]) == (scope, kind), text
        assert by_text[text]["screening_question"].endswith("?")
    consultation = next(t for t in data if t["is_consultation"])
    assert consultation["contraindications"] == []


@pytest.mark.django_db
def test_course_rules_and_current_limits_follow_the_seeds(client):
    data = {t["slug"]: t for t in client.get("/api/treatments/").json()}
    for slug in ("microcurrent-therapy-face", "microcurrent-therapy-body"):
        course = data[slug]["course"]
        assert (course["sessions_min"], course["sessions_max"]) == (7, 10)  # seed 000
        assert data[slug]["requires_device"] is True
        assert data[slug]["recommended_max_current_ua"] == 600  # seed 003
    for slug in ("microcurrent-massage-face", "microcurrent-massage-body"):
        course = data[slug]["course"]
        assert course["sessions_min"] <= 20 <= course["sessions_max"]  # "approximately 20"
        assert course["sessions_default"] == 20
        assert course["min_sessions_per_week"] == 2  # "at least twice a week"
    consultation = data["initial-consultation"]
    assert consultation["requires_device"] is False
    assert consultation["is_consultation"] is True


@pytest.mark.django_db
def test_the_catalog_list_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get("/api/treatments/").status_code == 200


@pytest.mark.django_db
def test_home_and_detail_pages_show_the_catalog_in_plain_words(client):
    home = client.get("/").content.decode()
    for t in Treatment.objects.all():
        assert t.name in home
    page = client.get("/treatments/microcurrent-therapy-face/").content.decode()
    assert "7–10 sessions" in page
    assert "A pacemaker or another implanted heart device" in page
    assert "Face oval correction" in page
    assert "1500 UAH" in page
    assert client.get("/treatments/no-such-thing/").status_code == 404


@pytest.mark.django_db
def test_the_manager_can_edit_the_catalog_in_the_admin(client):
    from clinic.roles import Role
    from tests.factories import login_staff, staff

    manager = staff(Role.MANAGER, is_staff=True)
    login_staff(client, manager)
    face = Treatment.objects.get(slug="microcurrent-therapy-face")
    assert client.get(f"/admin/treatments/treatment/{face.pk}/change/").status_code == 200
    assert client.get("/admin/treatments/contraindication/").status_code == 200
    reception = staff(Role.RECEPTION, is_staff=True)
    login_staff(client, reception)
    assert client.get(f"/admin/treatments/treatment/{face.pk}/change/").status_code == 403
    assert Contraindication.objects.count() == 10
