"""Beat (celery-redbeat, clinic.beat) rides out a Redis restart instead of dying, which under
`make run` would stop the whole clinic. (One beat among several, and the take-over when the
holder dies: tests/deploy/test_services.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, VENV_BIN, RedisServer, child_env, wait_until

pytestmark = pytest.mark.slow

SENDING = "Sending due task messages-sweep"
BEAT_ARGS = ["--loglevel", "INFO", "--max-interval", "1"]


class Beat:
    def __init__(self, name: str, tmp: Path, env: dict[str, str]) -> None:
        self.log = tmp / f"beat-{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "celery"), "--app", "clinic", "beat", *BEAT_ARGS],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(20)


@pytest.fixture
def start_beat(redis_server: RedisServer, tmp_path: Path) -> Iterator:
    env = child_env(
        REDIS_URL=redis_server.url, MESSAGES_SWEEP_SECONDS="1", CELERY_BEAT_LOCK_TIMEOUT="4"
    )
    beats: list[Beat] = []

    def start(name: str) -> Beat:
        beats.append(Beat(name, tmp_path, env))
        return beats[-1]

    yield start
    for beat in beats:
        beat.kill(signal.SIGTERM)


def test_beat_rides_out_a_redis_restart_and_takes_its_lost_lock_again(start_beat, redis_server):
    beat = start_beat("only")
    assert wait_until(lambda: beat.said(SENDING), timeout=30), beat.log.read_text()

    redis_server.stop()  # no persistence: the lock and the schedule go with it
    time.sleep(3)
    redis_server.start()
    sends = beat.log.read_text().count(SENDING)

    assert wait_until(lambda: beat.log.read_text().count(SENDING) > sends + 2, timeout=20)
    assert beat.proc.poll() is None, beat.log.read_text()[-3000:]
    assert beat.said("Redis unreachable")
    assert beat.said("the lock was lost with Redis and has been taken again")
