"""Production settings refuse insecure defaults; check --deploy is clean when configured."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PROD_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value-1234567890",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.com",
    "DATABASE_URL": "postgres://clinic:clinic@127.0.0.1:5432/clinic",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CLINIC_BASE_URL": "https://clinic.example.com",
    "AUDIT_HMAC_KEY": "an-audit-key-of-more-than-32-characters-0123456789",
}


def run_manage(*args: str, drop: tuple[str, ...] = (), **extra: str):
    env = {k: v for k, v in os.environ.items() if k not in PROD_ENV}
    env.update({k: v for k, v in PROD_ENV.items() if k not in drop})
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", drop=("DJANGO_SECRET_KEY",))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_to_start_without_a_database_or_allowed_hosts():
    for name in ("DATABASE_URL", "DJANGO_ALLOWED_HOSTS", "REDIS_URL", "CLINIC_BASE_URL"):
        result = run_manage("check", drop=(name,))
        assert result.returncode != 0, name
        assert name in result.stderr
        assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_an_audit_key_or_with_a_short_one():
    missing = run_manage("check", drop=("AUDIT_HMAC_KEY",))
    short = run_manage("check", AUDIT_HMAC_KEY="too-short")
    for result, says in ((missing, "AUDIT_HMAC_KEY must be set"), (short, "at least 32")):
        assert result.returncode != 0
        assert says in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_base_url_that_is_not_an_address_is_refused_in_one_line():
    result = run_manage("check", CLINIC_BASE_URL="clinic.example.com/booking")
    assert result.returncode != 0
    assert "CLINIC_BASE_URL must be an http(s) address" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_environment_name_is_refused_in_one_line():
    result = run_manage("check", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_in_production_reports_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_development_signs_with_its_own_random_key_kept_outside_git():
    """Message links were signed with a fixed key anyone could read in the source."""
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        drop=tuple(PROD_ENV),
        DJANGO_ENV="development",
        DJANGO_SECRET_KEY="",
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    kept = ROOT / "var" / "secrets" / "django-secret-key"
    assert key == kept.read_text().strip() and len(key) >= 50
    assert kept.stat().st_mode & 0o077 == 0  # its owner's only
    ignored = subprocess.run(["git", "check-ignore", "-q", str(kept)], cwd=ROOT)
    assert ignored.returncode == 0
    assert key not in (ROOT / "clinic" / "settings.py").read_text()


def test_processes_starting_at_once_make_one_secret(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from clinic.dev_secrets import dev_secret

    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(dev_secret, [tmp_path] * 24, ["k"] * 24))
    assert keys == {(tmp_path / "k").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no staging file left behind
    assert (tmp_path / "k").stat().st_mode & 0o077 == 0
