"""The clinic as `make run` runs it: honcho starting the Procfile (gunicorn with several
workers, a Celery worker, one beat). A burst of requests gets no connection error and no
5xx, the database connections stay bounded, SIGTERM stops every process, and a process
that dies (or cannot start) is named with its exit status."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import ROOT, VENV_BIN, RedisServer, child_env, free_port, wait_until
from treatments.models import Treatment

pytestmark = pytest.mark.slow


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def descendants(root: int) -> set[int]:
    """Every process below `root`, from the parent links in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class Honcho:
    """`honcho start` of the Procfile, in its own process group, as `make run` execs it."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = free_port()
        self.log = tmp / "honcho.log"
        self.env = child_env(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            CLINIC_BASE_URL=f"http://127.0.0.1:{self.port}",
            WEB_CONCURRENCY="3",
            **env,
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "honcho"), "start", "--procfile", "Procfile", "--no-colour"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def started_pid(self, name: str) -> int:
        found = re.search(rf"{name}\.1 started \(pid=(\d+)\)", self.output())
        assert found, self.output()[-3000:]
        return int(found.group(1))

    def wait_ready(self) -> None:
        ok = wait_until(lambda: _status(self.url("/healthz")) == 200, timeout=60)
        ok = ok and wait_until(lambda: "ready." in self.output(), timeout=60)  # the worker
        ok = ok and wait_until(lambda: "Acquired lock" in self.output(), timeout=60)  # beat
        assert ok, self.output()[-4000:]

    def stop(self) -> None:
        """Whatever a test left running: honcho's processes live in sessions of their own, so
        they are listed while honcho is alive, and killed if its SIGTERM did not end them."""
        if not self.proc or self.proc.poll() is not None:
            return
        left = descendants(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        for pid in left:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our server)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return -1 if "refused" in str(exc) else -2


@pytest.fixture
def honcho(live_db, tmp_path: Path) -> Iterator[Honcho]:
    redis = RedisServer(tmp_path)
    redis.start()
    runner = Honcho(tmp_path, REDIS_URL=redis.url, CELERY_BEAT_LOCK_TIMEOUT="10")
    yield runner
    runner.stop()
    redis.stop()


def _connections() -> int:
    """Connections to the test database, other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_burst_of_100_requests_gets_answers_and_leaves_few_connections(honcho):
    honcho.start()
    honcho.wait_ready()
    face = Treatment.objects.get(slug="microcurrent-therapy-face")
    day = timezone.localdate() + timedelta(days=1)
    span = f"start={day:%Y-%m-%d}&end={day + timedelta(days=6):%Y-%m-%d}"
    urls = [honcho.url(f"/api/availability/?treatment={face.pk}&{span}")] * 50
    urls += [honcho.url("/healthz")] * 50

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(_status, urls))

    assert statuses == [200] * 100, sorted(set(statuses))
    time.sleep(5)  # what is left open 5 s later
    assert _connections() <= 20


def test_sigterm_stops_every_process_within_15_seconds(honcho):
    honcho.start()
    honcho.wait_ready()
    processes = descendants(honcho.proc.pid)
    assert len(processes) >= 6  # gunicorn master and 3 workers, worker and its pool, beat

    os.killpg(honcho.proc.pid, signal.SIGTERM)

    assert honcho.proc.wait(15) != 0
    assert wait_until(lambda: not any(_alive(p) for p in processes), timeout=2)
    assert "SIGTERM received" in honcho.output()


def test_when_one_process_dies_the_others_stop_and_it_is_named(honcho):
    honcho.start()
    honcho.wait_ready()
    beat = honcho.started_pid("beat")
    processes = descendants(honcho.proc.pid)

    os.killpg(beat, signal.SIGKILL)

    assert honcho.proc.wait(20) != 0
    assert "beat.1 stopped (rc=-9)" in honcho.output()
    assert re.search(r"web\.1 stopped \(rc=", honcho.output())
    assert wait_until(lambda: not any(_alive(p) for p in processes), timeout=2)
    assert _status(honcho.url("/healthz")) == -1  # nothing listens any more


def test_a_process_that_cannot_start_is_named_and_the_whole_run_fails(tmp_path: Path):
    runner = Honcho(tmp_path, DJANGO_ENV="production", DJANGO_SECRET_KEY="")
    runner.start()
    try:
        assert runner.proc.wait(60) != 0
        out = runner.output()
        assert re.search(r"(web|worker|beat)\.1 stopped \(rc=[1-9]", out), out[-3000:]
        assert "DJANGO_SECRET_KEY must be set when DJANGO_ENV=production" in out
    finally:
        runner.stop()
