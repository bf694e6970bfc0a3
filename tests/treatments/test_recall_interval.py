"""The maintenance recall interval of a treatment: none from the seeds (they name none),
set by the manager in the admin, within 1..3650 days in the database too."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from clinic.roles import Role
from tests.desk.helpers import client_for
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def test_no_seeded_treatment_has_a_recall_interval():
    assert not Treatment.objects.filter(recall_after_days__isnull=False).exists()


def test_the_manager_sees_and_edits_it_in_the_admin():
    manager = client_for(Role.MANAGER, is_staff=True)
    face = Treatment.objects.get(slug="microcurrent-therapy-face")
    listing = manager.get("/admin/treatments/treatment/").content.decode()
    assert 'name="form-0-recall_after_days"' in listing  # editable in the list
    change = manager.get(f"/admin/treatments/treatment/{face.pk}/change/").content.decode()
    assert 'name="recall_after_days"' in change


@pytest.mark.parametrize("days", [0, 3651])
def test_the_database_refuses_an_interval_outside_1_to_3650_days(days):
    with pytest.raises(IntegrityError), transaction.atomic():
        Treatment.objects.filter(slug="microcurrent-therapy-face").update(recall_after_days=days)
