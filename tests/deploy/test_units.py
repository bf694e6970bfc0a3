"""The units in deploy/systemd/ say what a service needs (its user, directory, environment
file, restart and stop policy), run the Procfile's commands, and systemd itself reads
them without a complaint. Running the commands: test_services.py."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.units import SERVICES, SRV, UNITS, expand, here, load, parse_unit, seconds


def procfile() -> dict[str, str]:
    out = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            out[name.strip()] = command.strip()
    return out


@pytest.mark.parametrize("name", SERVICES)
def test_unit_runs_as_the_clinic_user_from_srv_clinic_with_the_env_file(name):
    unit = load(f"clinic-{name}.service")
    assert unit.get("User") == "clinic"
    assert unit.get("Group") == "clinic"
    assert unit.get("WorkingDirectory") == SRV
    assert unit.get("EnvironmentFile") == "/etc/clinic/clinic.env"
    assert unit.get("Restart") == "on-failure"
    assert unit.get("PartOf", "Unit") == "clinic.target"
    assert unit.get("WantedBy", "Install") == "clinic.target"
    # The venv's own binary, by its absolute path, and it exists in an installed tree.
    program = unit.command()[0]
    assert program.startswith(f"{SRV}/.venv/bin/"), program
    assert Path(here(program)).is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_unit_stops_gracefully_and_is_hardened(name):
    unit = load(f"clinic-{name}.service")
    # Graceful for gunicorn, warm shutdown for Celery: SIGTERM to the main process only
    # (mixed), which stops its own children; SIGKILL only after TimeoutStopSec.
    assert unit.kill_signal.name == "SIGTERM"
    assert unit.get("KillMode") == "mixed"
    assert 10 <= unit.stop_timeout <= 300
    assert unit.get("NoNewPrivileges") == "true"
    assert unit.get("ProtectSystem") == "full"
    assert unit.get("PrivateTmp") == "true"
    assert f"{SRV}/var" in unit.get("ReadWritePaths").split()


def test_web_unit_stops_after_gunicorns_graceful_timeout_and_reloads_with_hup():
    unit = load("clinic-web.service")
    conf = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    graceful = float(re.search(r"^graceful_timeout\s*=\s*(\d+)", conf, re.M)[1])
    assert unit.stop_timeout > graceful
    assert unit.command("ExecReload") == ["/bin/kill", "-HUP", "$MAINPID"]


@pytest.mark.parametrize("name", SERVICES)
def test_unit_command_is_the_procfile_command(name):
    """The same command under honcho (`make run`) and under systemd, apart from the venv's
    path and the defaults: the Procfile's ${NAME:-default} is the unit's ${NAME} with the
    default in an Environment= line (systemd has no shell defaults)."""
    unit = load(f"clinic-{name}.service")
    defaults: dict[str, str] = {}

    def no_default(match: re.Match) -> str:
        defaults[match[1]] = match[2]
        return f"${{{match[1]}}}"

    wanted = [
        re.sub(r"\$\{(\w+):-([^}]*)\}", no_default, word) for word in shlex.split(procfile()[name])
    ]
    got = unit.command()
    assert got[0] == f"{SRV}/.venv/bin/{wanted[0]}"
    assert [Path(got[0]).name, *got[1:]] == wanted
    environment = unit.environment()
    for variable, default in defaults.items():
        assert environment.get(variable) == default, f"Environment={variable}={default}"


def test_the_procfile_has_no_service_without_a_unit():
    assert set(procfile()) == set(SERVICES)


def test_variables_expand_as_systemd_expands_them():
    env = {"CELERY_CONCURRENCY": "4", "OPTS": "-a  -b"}
    assert expand(["--concurrency", "${CELERY_CONCURRENCY}"], env) == ["--concurrency", "4"]
    assert expand(["x", "$OPTS", "y"], env) == ["x", "-a", "-b", "y"]
    assert expand(["${OPTS}"], env) == ["-a  -b"]
    assert expand(["$MISSING", "${MISSING}"], env) == [""]
    # The environment file wins over the unit's Environment= default.
    unit = load("clinic-worker.service")
    assert expand(unit.command(), {**unit.environment(), **env})[-4:-2] == ["--concurrency", "4"]
    assert expand(unit.command(), unit.environment())[-4:-2] == ["--concurrency", "2"]


def test_parser_reads_continuations_repeats_and_comments(tmp_path):
    path = tmp_path / "x.service"
    path.write_text(
        "# comment\n[Service]\n; another\nEnvironment=A=1 B=2\nEnvironment=C=3\n"
        "ExecStart=/bin/echo one \\\n  two\nTimeoutStopSec=2min 30s\n"
    )
    unit = parse_unit(path)
    assert unit.environment() == {"A": "1", "B": "2", "C": "3"}
    assert unit.command() == ["/bin/echo", "one", "two"]
    assert unit.stop_timeout == 150
    assert seconds("90") == 90


def test_backup_unit_runs_backup_sh_daily_from_its_timer():
    service = load("clinic-backup.service")
    assert service.get("User") == "clinic"
    assert service.get("EnvironmentFile") == "/etc/clinic/clinic.env"
    command = service.command()
    assert command[0] == f"{SRV}/deploy/backup.sh"
    assert command[1].startswith(f"{SRV}/var/")  # writable: ReadWritePaths
    assert int(command[2]) >= 1
    timer = load("clinic-backup.timer")
    assert timer.get("OnCalendar", "Timer")
    assert timer.get("Persistent", "Timer") == "true"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_reads_the_units_without_a_complaint(tmp_path):
    """systemd-analyze verify: unknown keys, bad values and missing programs. The copies
    point at this repository instead of /srv/clinic, so the programs exist."""
    files = []
    for path in sorted(UNITS.iterdir()):
        copy = tmp_path / path.name
        copy.write_text(here(path.read_text()))
        files.append(str(copy))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *files],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line
    ]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr
