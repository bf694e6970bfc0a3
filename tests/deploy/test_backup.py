"""deploy/backup.sh and restore.sh for real: a dump of the test database, restored into a
scratch database, has the rows; old dumps go after DAYS days; a failed backup leaves
nothing and removes nothing; a restore never goes into a database that has tables."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg2
import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tests.conftest import ROOT
from tests.conftest import test_database_url as database_url  # not a test of its own
from tests.deploy.units import load, local_command

DEPLOY = ROOT / "deploy"
DUMP_NAME = re.compile(r"clinic-\d{8}T\d{6}Z\.dump")


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_DIRECT_URL"}
    environ.update(env)
    return subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=180)


def backup(directory: Path, days: str = "14", **env: str) -> subprocess.CompletedProcess:
    return run([str(DEPLOY / "backup.sh"), str(directory), days], **env)


def restore(dump: Path, url: str) -> subprocess.CompletedProcess:
    return run([str(DEPLOY / "restore.sh"), str(dump)], DATABASE_URL=url)


def query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    conn.close()
    return rows


@pytest.fixture
def scratch_url() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"[:63]
    admin = psycopg2.connect(database_url())
    admin.autocommit = True

    def drop() -> None:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url().rsplit("/", 1)[0] + "/" + name
    drop()
    admin.close()


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_script_is_strict_bash_that_parses(script):
    path = DEPLOY / script
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in path.read_text()
    assert os.access(path, os.X_OK)
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr
    if shutil.which("shellcheck"):
        result = subprocess.run(
            ["shellcheck", str(path)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_backup_unit_then_restore_into_an_empty_database_keeps_the_rows(
    live_db, tmp_path, scratch_url
):
    marker = f"deploy-round-trip-{uuid4().hex[:12]}"
    Group.objects.create(name=marker)
    # The backup unit's own command, writing into a folder of the test's.
    unit = load("clinic-backup.service")
    argv = local_command(unit, {})
    argv[1] = str(tmp_path / "backups")
    made = run(argv, DATABASE_URL=database_url())
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path / "backups" and DUMP_NAME.fullmatch(dump.name), made.stdout
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600  # patients' records: the owner's only
    assert [p.name for p in dump.parent.iterdir()] == [dump.name]  # no .partial left

    done = restore(dump, scratch_url)
    assert done.returncode == 0, done.stderr
    assert "media" in done.stdout
    assert query(scratch_url, "SELECT count(*) FROM auth_group WHERE name = %s", marker) == [(1,)]
    migrations = "SELECT app, name FROM django_migrations ORDER BY app, name"
    assert query(scratch_url, migrations) == query(database_url(), migrations)

    # Into a database that has tables (now the scratch one): refused, nothing touched.
    again = restore(dump, scratch_url)
    assert again.returncode == 1
    assert "not empty" in again.stderr
    assert query(scratch_url, "SELECT count(*) FROM auth_group WHERE name = %s", marker) == [(1,)]


@pytest.mark.slow
def test_backup_keeps_days_and_removes_only_its_own_older_dumps(db, tmp_path):
    day = 24 * 3600
    old, recent, other = (
        tmp_path / "clinic-20200101T000000Z.dump",
        tmp_path / "clinic-20200102T000000Z.dump",
        tmp_path / "notes-old.dump",
    )
    for path, age in ((old, 8 * day), (recent, 6 * day), (other, 30 * day)):
        path.write_text("x")
        os.utime(path, (time.time() - age, time.time() - age))
    made = backup(tmp_path, "7", DATABASE_URL=database_url())
    assert made.returncode == 0, made.stderr
    assert str(old) in made.stderr  # "removed old backup: ..."
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([recent.name, other.name, Path(made.stdout.strip()).name])


def test_a_failed_backup_leaves_no_file_and_removes_nothing(tmp_path):
    old = tmp_path / "clinic-20200101T000000Z.dump"
    old.write_text("x")
    os.utime(old, (0, 0))
    failed = backup(tmp_path, "1", DATABASE_URL="postgres://clinic:clinic@127.0.0.1:1/none")
    assert failed.returncode != 0
    assert [p.name for p in tmp_path.iterdir()] == [old.name]
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_DIRECT_URL")
    }
    missing = subprocess.run(
        [str(DEPLOY / "backup.sh"), str(tmp_path)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert missing.returncode == 2
    assert "DATABASE_URL" in missing.stderr
    assert backup(tmp_path, "zero").returncode == 2
    assert backup(tmp_path, "0").returncode == 2
    assert backup(tmp_path, "08").returncode == 2
