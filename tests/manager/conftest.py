import pytest

from clinic.roles import Role
from tests.appointments.clinic_setup import build_clinic
from tests.desk.helpers import client_for


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=2, devices=1)


@pytest.fixture
def manager(db):
    return client_for(Role.MANAGER)


@pytest.fixture
def reception(db):
    return client_for(Role.RECEPTION)
