"""The reports tests use the desk's fixtures: a small clinic and a client per role."""

from tests.desk.conftest import clinic, manager

__all__ = ["clinic", "manager"]
