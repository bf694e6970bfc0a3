"""The chart tests use the desk's fixtures: a small clinic and a client per role."""

from tests.desk.conftest import clinic, derm, manager, reception

__all__ = ["clinic", "derm", "manager", "reception"]
