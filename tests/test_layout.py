"""The app layout's import contracts (.importlinter): apps depend one way, role apps never
import each other, no import circles. Checked here so that `make test` (and CI) holds them,
and tried against deliberate wrong-way imports to show the contracts can fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, VENV_BIN

APPS = ["clinic", "treatments", "patients", "appointments", "messaging", "desk", "chart"]
APPS += ["billing", "reports", "manager", "demo"]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "lint-imports"), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The apps and the contract file, copied, so that a test may add a bad import."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("chart/views/day.py", "from desk import grid", "chart is not allowed to import desk"),
        ("manager/views/home.py", "from desk import grid", "manager is not allowed to import desk"),
        ("clinic/roles.py", "import patients.models", "clinic is not allowed to import patients"),
        (
            "appointments/services/booking.py",
            "from messaging import outbox",
            "appointments is not allowed to import messaging",
        ),
        (
            "patients/selectors.py",
            "from appointments import models",
            "patients is not allowed to import appointments",
        ),
        (
            "appointments/policy.py",
            "from appointments.services import booking",
            "No import circles inside any app BROKEN",
        ),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(tree_copy: Path, module, bad_import, broken):
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{bad_import}  # noqa\n")

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())
