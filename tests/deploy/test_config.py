"""deploy/clinic.env.example names every variable the app, gunicorn, the units and the
scripts read, each with its comment, and is a production configuration that starts once
its secrets are filled in; deploy/pgbouncer/ agrees with it and with the connection
arithmetic of README.md."""

from __future__ import annotations

import configparser
import os
import re
import secrets
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.deploy.units import SERVICES, UNITS

DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "clinic.env.example"
ASSIGNMENT = re.compile(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)")
REQUIRED = {
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "CLINIC_BASE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "AUDIT_HMAC_KEY",
}


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def example() -> tuple[dict[str, str], set[str]]:
    """(the assignments in force, every name assigned, in force or commented out)."""
    active: dict[str, str] = {}
    named: set[str] = set()
    for line in EXAMPLE.read_text().splitlines():
        match = ASSIGNMENT.fullmatch(line.strip())
        if match:
            named.add(match[2])
            if not match[1]:
                active[match[2]] = unquote(match[3])
    return active, named


def variables_read() -> set[str]:
    """Every environment variable the settings, gunicorn, the units and scripts read."""
    names: set[str] = set()
    for path in (ROOT / "clinic" / "settings.py", DEPLOY / "gunicorn.conf.py"):
        names |= set(
            re.findall(
                r"(?:env\.\w+|required|os\.environ\.get|os\.getenv)\(\s*\"([A-Z][A-Z0-9_]*)\"",
                path.read_text(),
            )
        )
    for name in SERVICES:
        unit = (UNITS / f"clinic-{name}.service").read_text()
        names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", unit))
    for script in ("backup.sh", "restore.sh"):
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DEPLOY / script).read_text()))
    return names - {"MAINPID"}  # set by systemd itself


def test_every_variable_read_is_in_the_example():
    _, named = example()
    assert variables_read() - named == set()


def test_every_line_is_a_comment_or_an_assignment_each_with_its_comment():
    previous = ""
    for number, raw in enumerate(EXAMPLE.read_text().splitlines(), 1):
        line = raw.strip()
        where = f"clinic.env.example:{number}: {raw}"
        match = ASSIGNMENT.fullmatch(line)
        if match:
            assert previous.startswith("#") and not ASSIGNMENT.fullmatch(previous), where
            if not match[1]:
                # systemd keeps a "#" after a value as part of the value.
                assert " #" not in match[3], where
        else:
            assert not line or line.startswith("#"), where
        previous = line


def test_required_variables_are_set_and_secrets_are_left_to_fill_in():
    active, _ = example()
    assert REQUIRED - set(active) == set()
    assert active["DJANGO_ENV"] == "production"
    # No secret that works as it is: an empty key stops production start-up.
    assert active["DJANGO_SECRET_KEY"] == ""
    assert active["AUDIT_HMAC_KEY"] == ""


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLINIC_"))}
    environ.pop("DATABASE_URL", None)
    environ.pop("REDIS_URL", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_example_is_a_production_configuration_once_its_secret_is_set():
    active, _ = example()
    refused = run_manage(active, "check")
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
    refused = run_manage({**active, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}, "check")
    assert refused.returncode != 0
    assert "AUDIT_HMAC_KEY" in refused.stderr
    filled = {
        **active,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
    }
    checked = run_manage(filled, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stderr + checked.stdout


def pgbouncer() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(
        comment_prefixes=(";", "#"), inline_comment_prefixes=None, interpolation=None
    )
    parser.read(DEPLOY / "pgbouncer" / "pgbouncer.ini")
    return parser


def test_pgbouncer_pools_transactions_on_6432_for_the_apps_database_url():
    ini = pgbouncer()
    bouncer = ini["pgbouncer"]
    assert bouncer["pool_mode"] == "transaction"
    assert bouncer["listen_port"] == "6432"
    assert bouncer["auth_type"] == "scram-sha-256" and bouncer["auth_file"]
    active, _ = example()
    url = urlsplit(active["DATABASE_URL"])
    assert url.port == 6432
    assert url.path.lstrip("/") in ini["databases"]
    assert active["DJANGO_DB_TRANSACTION_POOLER"] == "true"
    # backup.sh and restore.sh go to PostgreSQL itself.
    assert urlsplit(active["DATABASE_DIRECT_URL"]).port == 5432


def test_pgbouncer_pool_sizes_follow_the_connection_arithmetic():
    bouncer = pgbouncer()["pgbouncer"]
    pool, reserve = int(bouncer["default_pool_size"]), int(bouncer["reserve_pool_size"])
    assert int(bouncer["max_db_connections"]) == pool + reserve
    # Clients: at most pool of them busy at once without waiting, twice that connected
    # while restarts overlap old and new processes, and room for manage.py.
    assert int(bouncer["max_client_conn"]) >= 2 * pool + 10
    # PostgreSQL's default max_connections (100) holds the pool, the direct connections
    # (backup, psql, migrate) and the superuser reserve (3).
    assert pool + reserve + 5 + 3 <= 100


def test_userlist_example_is_in_pgbouncers_auth_file_format():
    lines = (DEPLOY / "pgbouncer" / "userlist.txt.example").read_text().splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith(";")]
    assert entries
    assert all(re.fullmatch(r'"[^"]+" "[^"]*"', line) for line in entries), entries
