"""Each unit's ExecStart run for real, as systemd would run it (tests/deploy/units.py), on
the test database and a Redis of the test's own: the web answers /healthz, the worker a
ping and a task, beat takes the redbeat lock (and a second beat, as on a second worker
host, waits for it); each stops within TimeoutStopSec of its KillSignal."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis
from celery import Celery

from clinic.health import BEAT_KEY
from tests.conftest import child_env, free_port, wait_until
from tests.deploy.units import Service, load

pytestmark = pytest.mark.slow

ACQUIRED = "beat: Acquired lock"
# A waiting beat tries for the lock once per loop (CELERY_BEAT_MAX_LOOP_INTERVAL).
LOOP = 10


def get_status(port: int, path: str = "/healthz") -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def stopped_cleanly(service: Service) -> float:
    took = service.stop()
    assert service.proc.returncode == 0, f"exit status {service.proc.returncode}" + service.tail()
    # KillMode=mixed: the main process stopped its children before it exited.
    assert not service.leftovers(), "processes left behind in the group" + service.tail()
    return took


@pytest.fixture
def probe(redis_server) -> Iterator[Celery]:
    """A Celery client on the test's own broker (the one the services are given)."""
    app = Celery("probe", broker=redis_server.url, set_as_current=False)
    yield app
    app.close()


def pings(app: Celery) -> list:
    try:
        return app.control.ping(timeout=0.5)
    except Exception:  # the broker not answering yet
        return []


def test_web_unit_answers_healthz_reloads_on_hup_and_stops_gracefully(db, tmp_path, redis_server):
    port = free_port()
    env = child_env(GUNICORN_BIND=f"127.0.0.1:{port}", REDIS_URL=redis_server.url)
    with Service(load("clinic-web.service"), tmp_path / "web.log", env) as web:
        assert wait_until(lambda: get_status(port) == 200, timeout=40), web.tail()
        booted = int(env.get("WEB_CONCURRENCY", "2"))
        assert wait_until(lambda: web.text().count("Booting worker") == booted, 30), web.tail()
        # ExecReload: new workers (new code) replace the old ones; the master stays.
        web.reload()
        assert wait_until(lambda: web.text().count("Booting worker") >= 2 * booted, 30), web.tail()
        assert web.running()
        assert wait_until(lambda: get_status(port) == 200, timeout=30), web.tail()  # a slow box
        took = stopped_cleanly(web)
    assert get_status(port) is None
    assert took < web.unit.stop_timeout


def test_worker_unit_answers_a_ping_runs_a_task_and_shuts_down_warm(
    db, tmp_path, redis_server, probe
):
    env = child_env(REDIS_URL=redis_server.url)
    env.pop("CELERY_CONCURRENCY", None)  # the unit's own default, as without the env file
    with Service(load("clinic-worker.service"), tmp_path / "worker.log", env) as worker:
        assert wait_until(lambda: bool(pings(probe)), timeout=45), worker.tail()
        # --concurrency ${CELERY_CONCURRENCY}: the unit's Environment= default reached it.
        stats = probe.control.inspect(timeout=2).stats() or {}
        assert [s["pool"]["max-concurrency"] for s in stats.values()] == [2], worker.tail()
        # A real task through the broker: beat's heartbeat, which writes to Redis.
        store = redis.Redis.from_url(redis_server.url)
        probe.send_task("clinic.tasks.heartbeat")
        assert wait_until(lambda: store.get(BEAT_KEY) is not None, timeout=30), worker.tail()
        took = stopped_cleanly(worker)
    assert took < worker.unit.stop_timeout
    assert re.search(r"[Ww]arm shutdown", worker.text()), worker.tail()


def test_beat_on_every_worker_host_one_holds_the_lock_the_next_takes_over(
    db, tmp_path, redis_server
):
    """Two (then three) beats as on several worker hosts: one holds redbeat's lock, the
    others wait; stopping the holder releases it, and a waiting beat takes it at its next
    try (one loop at most); a waiting beat stops as promptly as the holder."""
    env = child_env(REDIS_URL=redis_server.url)
    unit = load("clinic-beat.service")
    a, b, c = (Service(unit, tmp_path / f"beat-{n}.log", env) for n in "abc")
    with ExitStack() as cleanup:
        for beat in (a, b, c):
            cleanup.callback(beat.kill)
        a.start()
        assert wait_until(lambda: ACQUIRED in a.text(), timeout=30), a.tail()
        b.start()
        assert wait_until(lambda: "beat: Starting" in b.text(), timeout=30), b.tail()
        assert not wait_until(lambda: ACQUIRED in b.text(), timeout=3), "two beats hold the lock"
        assert b.running(), b.tail()
        # The holder stops (an upgrade, a host shut down): it releases the lock.
        took = stopped_cleanly(a)
        assert took < unit.stop_timeout
        assert "Releasing lock" in a.text(), a.tail()
        assert wait_until(lambda: ACQUIRED in b.text(), timeout=LOOP + 5), b.tail()
        # A beat that is only waiting for the lock stops as promptly.
        c.start()
        assert wait_until(lambda: "beat: Starting" in c.text(), timeout=30), c.tail()
        assert not wait_until(lambda: ACQUIRED in c.text(), timeout=2)
        assert stopped_cleanly(c) < unit.stop_timeout
        assert stopped_cleanly(b) < unit.stop_timeout


def test_when_the_beat_host_dies_another_beat_takes_over_after_the_lock_timeout(
    db, tmp_path, redis_server
):
    """A host that dies cannot release the lock: it expires CELERY_BEAT_LOCK_TIMEOUT after
    the holder's last renewal, and a waiting beat takes it at its next try."""
    timeout = 12  # above beat's loop interval (10 s), as the holder renews it each loop
    env = child_env(REDIS_URL=redis_server.url, CELERY_BEAT_LOCK_TIMEOUT=str(timeout))
    unit = load("clinic-beat.service")
    a, b = (Service(unit, tmp_path / f"beat-{n}.log", env) for n in "ab")
    with ExitStack() as cleanup:
        for beat in (a, b):
            cleanup.callback(beat.kill)
        a.start()
        assert wait_until(lambda: ACQUIRED in a.text(), timeout=30), a.tail()
        b.start()
        assert wait_until(lambda: "beat: Starting" in b.text(), timeout=30), b.tail()
        a.kill()  # the host is gone: no SIGTERM, no release
        assert "Releasing lock" not in a.text()
        assert not wait_until(lambda: ACQUIRED in b.text(), timeout=1)
        assert wait_until(lambda: ACQUIRED in b.text(), timeout=timeout + LOOP + 5), b.tail()
        assert stopped_cleanly(b) < unit.stop_timeout
