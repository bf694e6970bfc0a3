"""Row M of PERFORMANCE.md: due reminders delivered through the Celery worker to a local
SMTP server; messages per second, delivery latency, duplicates and losses.

For bench/run.py (after `migrate`, with the production environment; DATABASE_URL is the
bench database, and `redis-server` must be on PATH as `make bench` ensures):

    from bench.messages import measure_messages
    m = measure_messages(env=production_env())   # count=10_000, concurrency=2
    # m == {"count": 10000, "delivered": 10000, "duplicates": 0, "lost": 0,
    #       "msgs_per_s": 854.3, "p50_ms": 6076.8, "p99_ms": 11580.9, "seconds": 11.7,
    #       "wall_seconds": 24.59, "statuses": {"sent": 10000}, "voided_before": 0}
    # the row: Row("M", ..., rps=m["msgs_per_s"], p50_ms=m["p50_ms"], p99_ms=m["p99_ms"],
    #               errors=m["duplicates"] + m["lost"]); target >= 500/s and 0 errors

What it does: makes `count` reminders due now for as many booked sessions of its own (one
inactive practitioner and room, 200 patients: invisible to the other rows), starts a
throwaway redis-server, a local SMTP server in this process (`server="lean"`, a small
asyncio one that offers PIPELINING like production servers do; or "aiosmtpd") and
`celery worker` and `celery beat` as `make run` runs them (production settings, the
sweep every second instead of every minute), waits until each of its messages arrived,
then 5 s more for late copies, and removes its rows. Messages the earlier rows left due
(W's confirmations, P's receipts) are voided first (`voided_before`), so only this row's
reminders are timed. Duplicates and losses are counted at the SMTP server, by Message-ID
(`<clinic-message-<outbox id>.<created>@...>`, the same on every copy of a message): a
duplicate is a Message-ID that arrived more than once, a loss one of the seeded rows whose
Message-ID never arrived. `msgs_per_s` is delivered / (last
arrival - the sweep's first hand-out); p50/p99 are from the sweep handing a message out
to its arrival (with 10,000 handed out at once, mostly time in the queue).
`wall_seconds` includes starting the processes.

Standalone: `python -m bench.messages run [--count N]` prints the same as JSON (the
database of DATABASE_URL must be migrated). The Django work runs in subprocesses
(`python -m bench.messages seed|stats|clean`), so the caller needs no Django setup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MARK = "Bench-messages"  # practitioner, room and patients of this row
PATIENTS = 200
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<clinic-message-(\d+)\.", re.MULTILINE | re.IGNORECASE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    """aiosmtpd handler: accepts every message and notes its outbox id and arrival time.
    `count()` counts the row's own messages (`expected`), each once: anything else the
    server receives (another row's message) does not bring the end of the wait closer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[int, float]] = []
        self.expected: frozenset[int] = frozenset()
        self._arrived: set[int] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd
        match = _MESSAGE_ID.search(envelope.original_content or envelope.content)
        pk = int(match.group(1)) if match else -1
        with self.lock:
            self.arrivals.append((pk, time.time()))
            if pk in self.expected:
                self._arrived.add(pk)
        return "250 2.0.0 OK"

    def count(self) -> int:
        with self.lock:
            return len(self._arrived)


class _LeanServer:
    """A minimal SMTP server (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; PIPELINING, as most
    production servers offer it) on asyncio streams.
    A message counts only once its final "<CRLF>.<CRLF>" arrived, as with any SMTP server.
    It spends a fraction of aiosmtpd's CPU per message, which matters on a 2-core machine
    where the server shares the cores with the worker and PostgreSQL."""

    def __init__(self, sink: _Sink) -> None:
        self.sink, self.port = sink, _free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 bench ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    await self.sink.handle_DATA(None, None, _Envelope(data))
                    writer.write(b"250 2.0.0 OK\r\n")
                elif verb == b"EHLO":
                    writer.write(b"250-bench\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 Bye\r\n")
                    break
                else:
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away mid-message: nothing was delivered
        finally:
            writer.close()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, "127.0.0.1", self.port), self.loop
        ).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class _Envelope:
    def __init__(self, content: bytes) -> None:
        self.original_content = self.content = content


def _django(command: str, env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.messages", command, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"bench.messages {command} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = _start(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        dict(os.environ),
        tmp / "redis.log",
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def _wait(sink: _Sink, count: int, timeout: float, procs: list[subprocess.Popen]) -> None:
    deadline, last, last_change = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline and sink.count() < count:
        if any(p.poll() is not None for p in procs):
            raise SystemExit("the worker or beat stopped; see the logs")
        n = sink.count()
        if n != last:
            last, last_change = n, time.monotonic()
        elif n and time.monotonic() - last_change > 60:
            break  # nothing for a minute: stop waiting, count the losses
        time.sleep(0.05)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(sink: _Sink, stats: dict, count: int, started: float) -> dict:
    expected = {int(pk) for pk in stats["dispatched"]}
    arrivals = [(pk, at) for pk, at in sink.arrivals if pk in expected]
    copies = Counter(pk for pk, _at in arrivals)
    first_at: dict[int, float] = {}
    for pk, at in arrivals:
        first_at[pk] = min(at, first_at.get(pk, at))
    latencies = [
        (first_at[pk] - stats["dispatched"][str(pk)]) * 1000
        for pk in expected
        if pk in first_at and stats["dispatched"][str(pk)] is not None
    ]
    dispatched = [v for v in stats["dispatched"].values() if v is not None]
    span = (max(at for _pk, at in arrivals) - min(dispatched)) if arrivals and dispatched else 0
    delivered = len(expected & set(copies))
    return {
        "count": count,
        "delivered": delivered,
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "lost": len(expected - set(copies)),
        "msgs_per_s": round(delivered / span, 1) if span > 0 else 0.0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "seconds": round(span, 2),
        "wall_seconds": round(time.time() - started, 2),
        "statuses": stats["statuses"],
    }


def _server(sink: _Sink, kind: str) -> Any:
    if kind == "aiosmtpd":
        from aiosmtpd.controller import Controller

        return Controller(sink, hostname="127.0.0.1", port=_free_port())
    return _LeanServer(sink)


def _app_env(env: dict[str, str] | None, redis_url: str, smtp_port: int, batch: int) -> dict:
    app_env = dict(env or os.environ)
    app_env.update(
        REDIS_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        MESSAGES_BATCH_SIZE=str(batch),
        MESSAGES_SWEEP_SECONDS="1",  # the first sweep at once, not within a minute
        DJANGO_LOG_LEVEL="WARNING",
    )
    return app_env


def _celery(env: dict[str, str], tmp: Path, concurrency: int) -> list[subprocess.Popen]:
    """`celery worker` and `celery beat`, as `make run` starts them."""
    celery, quiet = str(VENV_BIN / "celery"), ["--loglevel", "WARNING"]
    worker = [celery, "-A", "clinic", "worker", *quiet, "--concurrency", str(concurrency)]
    worker += ["--without-gossip", "--without-mingle"]
    beat = [celery, "-A", "clinic", "beat", *quiet, "--max-interval", "1"]
    beat += ["--schedule", str(tmp / "beat-schedule")]
    return [_start(worker, env, tmp / "worker.log"), _start(beat, env, tmp / "beat.log")]


def measure_messages(
    *,
    count: int = 10_000,
    env: dict[str, str] | None = None,
    concurrency: int = 2,
    batch_size: int = 50,
    timeout: float = 600.0,
    server: str = "lean",
) -> dict:
    """Row M. `env`: the environment of the app's processes (production settings and the
    bench DATABASE_URL); REDIS_URL and the email settings are set here. `server`: "lean"
    (default) or "aiosmtpd". Returns msgs_per_s, p50_ms, p99_ms, duplicates, lost,
    delivered, count, seconds, wall_seconds, statuses."""
    started, sink = time.time(), _Sink()
    controller = _server(sink, server)
    controller.start()
    with tempfile.TemporaryDirectory(prefix="bench-m-") as tmpdir:
        tmp = Path(tmpdir)
        redis_proc, redis_url = _redis(tmp)
        app_env = _app_env(env, redis_url, controller.port, batch_size)
        procs: list[subprocess.Popen] = []
        try:
            seeded = _django("seed", app_env, "--count", str(count))
            sink.expected = frozenset(seeded["ids"])
            procs = _celery(app_env, tmp, concurrency)
            _wait(sink, count, timeout, procs)
            time.sleep(5)  # late copies, if any, would arrive now
            for proc in procs:
                _stop(proc)
            summary = _summary(sink, _django("stats", app_env), count, started)
            return summary | {"voided_before": seeded["voided"]}
        finally:
            for proc in procs:
                _stop(proc)
            try:
                _django("clean", app_env)
            finally:
                _stop(redis_proc)
                controller.stop()


# --- the Django side, run in subprocesses ------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()


def _clean() -> dict:
    from django.db import transaction

    from appointments.models import Appointment
    from messaging.models import Message
    from patients.models import Patient

    # The practitioner, its user and the room stay (inactive) for the next run: deleting
    # a user would reach into every app that keeps rows about users.
    with transaction.atomic():
        patients = Patient.objects.filter(last_name=MARK)
        Message.objects.filter(patient__in=patients).delete()
        Appointment.objects.filter(patient__in=patients).delete()
        patients.delete()
    return {"clean": True}


def _bench_people() -> tuple:
    """The row's own practitioner and room (inactive: invisible to availability) and
    PATIENTS patients."""
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model

    from appointments.models import Practitioner, Room
    from patients.models import Patient

    user, _new = get_user_model().objects.get_or_create(username="bench-messages")
    who, _new = Practitioner.objects.get_or_create(
        user=user, defaults={"display_name": MARK, "is_active": False}
    )
    room, _new = Room.objects.get_or_create(name=MARK, defaults={"is_active": False})
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Reader{i}",
            last_name=MARK,
            date_of_birth=date(1980, 1, 1) + timedelta(days=i),
            email=f"bench-messages-{i}@example.com",
        )
        for i in range(PATIENTS)
    )
    return who, room, patients


def _seed(count: int) -> dict:
    """`count` booked consultations, back to back from two days ahead, each with its 24 h
    reminder due now. Direct inserts: this row measures delivery, not booking."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from appointments.models import Appointment
    from messaging.models import UNSENT, Message, MessageStatus
    from treatments.models import Treatment

    _clean()
    now, slot = timezone.now(), timedelta(minutes=30)
    first = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        # The rows measured before this one queued messages of their own (W's bookings
        # their confirmations, P's checkouts their receipts, each with a PDF). Still due,
        # they would go out ahead of this row's reminders and be timed as part of it.
        # This is the benchmark's own database: they are voided, and their number reported.
        voided = (
            Message.objects.filter(status__in=UNSENT, next_attempt_at__lte=now)
            .exclude(patient__last_name=MARK)
            .update(
                status=MessageStatus.VOID,
                claim_token="",
                last_error="voided by the benchmark's row M",
            )
        )
        who, room, patients = _bench_people()
        consultation = Treatment.objects.get(slug="initial-consultation")
        appointments = Appointment.objects.bulk_create(
            Appointment(
                patient=patients[i % PATIENTS],
                treatment=consultation,
                practitioner=who,
                room=room,
                start=first + i * slot,
                end=first + (i + 1) * slot,
                blocked_until=first + (i + 1) * slot,
                booked_via="desk",
            )
            for i in range(count)
        )
        messages = Message.objects.bulk_create(
            Message(
                patient_id=a.patient_id,
                appointment=a,
                kind="reminder",
                offset_minutes=1440,
                channel="email",
                due_at=now,
                next_attempt_at=now,
            )
            for a in appointments
        )
    return {"seeded": count, "voided": voided, "ids": [m.pk for m in messages]}


def _stats() -> dict:
    from django.db.models import Count

    from messaging.models import Message

    rows = Message.objects.filter(patient__last_name=MARK)
    return {
        "dispatched": {
            str(pk): (at.timestamp() if at else None)
            for pk, at in rows.values_list("pk", "dispatched_at")
        },
        "statuses": dict(rows.values_list("status").annotate(n=Count("pk")).order_by()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Row M: reminders through the worker.")
    parser.add_argument("command", choices=["run", "seed", "stats", "clean"])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    if args.command == "run":
        print(json.dumps(measure_messages(count=args.count)))
        return
    _setup()
    result = {"seed": lambda: _seed(args.count), "stats": _stats, "clean": _clean}[args.command]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
