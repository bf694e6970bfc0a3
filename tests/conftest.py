"""Fixtures shared by the whole suite: real processes (Celery worker, a throwaway Redis)
started against the same PostgreSQL test database that pytest-django created."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child process that must see the test database and broker."""
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        DJANGO_ENV="test",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CACHE_URL=settings.CACHE_URL,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def real_clock_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: ours) without libfaketime, for a child that must not run under a
    TEST_CLOCK (scripts/test.sh): redis-server hangs at start under libfaketime 0.9.10,
    as its jemalloc reads the clock before libfaketime is set up. Redis needs no fake
    clock: its expiry times are relative, like those of the shared Redis and PostgreSQL,
    which run on the real clock too."""
    env = dict(os.environ if env is None else env)
    preload = env.pop("LD_PRELOAD", "").replace(":", " ").split()
    if kept := [lib for lib in preload if "faketime" not in lib]:
        env["LD_PRELOAD"] = " ".join(kept)
    return {k: v for k, v in env.items() if not k.startswith("FAKETIME")}


class RedisServer:
    """A redis-server of our own on a free port, so a test may stop and start it."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=real_clock_env(),
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        ok = False
        try:
            ok = wait_until(lambda: _pings(client), 10)
        finally:
            if not ok:
                self.proc.kill()  # not left behind by the failed test
        assert ok, "redis-server did not start"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class WorkerProcess:
    """`celery -A clinic worker` as a real child process on the test database."""

    def __init__(self, log: Path, **env: str) -> None:
        self.log = log
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self, concurrency: int = 2) -> None:
        self._logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "clinic",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=child_env(**self.env),
            stdout=self._logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from clinic.celery import app

        ok = wait_until(lambda: bool(app.control.ping(timeout=0.5)), timeout=30)
        assert ok, f"celery worker did not answer; log:\n{self.log.read_text()[-3000:]}"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        self._logfile.close()


@pytest.fixture
def celery_worker_process(
    transactional_db, django_db_serialized_rollback, tmp_path: Path
) -> Iterator[WorkerProcess]:
    """A real worker process. Tests using it see only committed data (transactional_db)."""
    worker = WorkerProcess(tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty shared cache (its own Redis database in tests,
    scripts/test.sh): allauth counts logins per IP there for its rate limits ("login": 30
    a minute) and remembers used authenticator codes; one test's counts must not refuse
    the next test's login."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language. A request through Django's test
    client leaves the language its LocaleMiddleware activated (a Ukrainian page's) active
    in this thread after the response, and a later test's messages would come in it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def live_db(transactional_db, django_db_serialized_rollback):
    """Committed data, visible to other connections, threads and processes; the seeded
    catalog and groups are restored after the test."""
