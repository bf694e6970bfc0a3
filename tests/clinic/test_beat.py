"""Beat (celery-redbeat, clinic.beat) rides out a Redis restart instead of dying, which under
`make run` would stop the whole clinic. (One beat among several, and the take-over when the
holder dies: tests/deploy/test_services.py.)"""

from __future__ import annotations

import json
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
WORKER_ARGS = ["--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]


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


def test_beat_has_a_worker_export_the_audit_head_regularly(live_db, redis_server, tmp_path):
    """The schedule entry as `make run` runs it: a real beat sends the export, a real worker
    appends the head to AUDIT_HEAD_FILE, again and again."""
    from clinic.audit import Actor, audit_record

    row = audit_record(Actor(user=None), action="read", obj="chart", patient_id=None)
    head_file = tmp_path / "head.jsonl"
    env = child_env(
        REDIS_URL=redis_server.url,
        AUDIT_HEAD_EXPORT_SECONDS="1",
        AUDIT_HEAD_FILE=str(head_file),
        CELERY_BEAT_LOCK_TIMEOUT="4",
    )
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as out:
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "--app", "clinic", "worker", *WORKER_ARGS],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    beat = Beat("audit", tmp_path, env)
    try:
        exported = wait_until(
            lambda: head_file.exists() and head_file.read_text().count("\n") >= 2, timeout=60
        )
    finally:
        beat.kill(signal.SIGTERM)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
    assert exported, beat.log.read_text()[-2000:] + worker_log.read_text()[-2000:]
    heads = [json.loads(line) for line in head_file.read_text().splitlines()]
    assert {(h["id"], h["hash"], h["rows"]) for h in heads} == {(row.pk, row.hash, 1)}
