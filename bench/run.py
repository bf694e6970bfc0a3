"""The benchmark (../shared/PERFORMANCE.md): production settings, gunicorn with 2 workers
on 127.0.0.1, wrk with 16 connections, every figure a ratio against GET /healthz served by
the same server in the same run. Prints one table and writes it as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.requests import availability_paths
from clinic.dev_secrets import dev_secret

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("CLINIC_BENCH_PORT", "8099"))
# One secret for the whole run: the desk row's session, made in a subprocess, must be
# valid in the server.
SECRET = secrets.token_urlsafe(50)
# The bench database keeps its audit rows between runs: one key for all of them.
AUDIT_KEY = dev_secret(ROOT / "var" / "secrets", "bench-audit-hmac-key")


@dataclass
class Row:
    name: str
    request: str
    target: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    ratio: float | None = None
    passed: bool | None = None
    extra: dict = field(default_factory=dict)


def production_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=SECRET,
        AUDIT_HMAC_KEY=AUDIT_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CLINIC_BASE_URL=f"http://127.0.0.1:{PORT}",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; TLS is the proxy's job
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="clinic.settings",
    )
    return env


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=production_env(), check=True)


class Server:
    def __init__(self, settings: str = "clinic.settings") -> None:
        self.settings = settings

    def __enter__(self) -> Server:
        # What `make run` serves: gunicorn with the deployment's config (2 sync workers,
        # its access log), in production settings (the floor rows add two views to them).
        env = production_env() | {
            "GUNICORN_BIND": f"127.0.0.1:{PORT}",
            "WEB_CONCURRENCY": "2",
            "DJANGO_SETTINGS_MODULE": self.settings,
        }
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "clinic.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(20)


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNIT[m.group(2)] if m else 0.0


def wrk(
    path: str,
    seconds: int = 10,
    script: Path | None = None,
    script_args: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{PORT}{path}")
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def measure(
    row: Row,
    path: str,
    seconds: int,
    script: Path | None = None,
    headers: dict | None = None,
    script_args: list[str] | None = None,
) -> Row:
    options = {"script": script, "headers": headers, "script_args": script_args}
    wrk(path, seconds=2, **options)  # warm-up
    for key, value in wrk(path, seconds=seconds, **options).items():
        setattr(row, key, value)
    return row


def print_table(rows: list[Row]) -> None:
    print(
        f"\n{'row':<5}{'request':<44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>5}"
        f"{'ratio':>8}  {'target':<12}result"
    )
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        verdict = {True: "ok", False: "BELOW TARGET", None: "-"}[r.passed]
        print(
            f"{r.name:<5}{r.request:<44}{r.rps:>9.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{r.errors:>5}{ratio:>8}  {r.target:<12}{verdict}"
        )


def build(past: int, info_path: Path) -> dict:
    print(f"building the benchmark clinic with {past:,} past appointments ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "bench.build", "--past", str(past), "--out", str(info_path)],
        cwd=ROOT,
        env=production_env(),
        check=True,
    )
    return json.loads(info_path.read_text())


def queries(info_path: Path) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.queries", str(info_path)],
        cwd=ROOT,
        env=production_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bookings_file(info: dict, tmp: Path, skip: int, count: int) -> Path:
    path = tmp / f"bookings-{skip}.jsonl"
    path.write_text("\n".join(json.dumps(b) for b in info["bookings"][skip : skip + count]) + "\n")
    return path


def relative(row: Row, base: Row) -> Row:
    row.ratio = row.rps / base.rps if base.rps else None
    return row


def judge(row: Row, base: Row, minimum: float) -> Row:
    relative(row, base)
    row.passed = row.ratio is not None and row.ratio >= minimum and row.errors == 0
    return row


def load_rows(info: dict, seconds: int, tmp: Path, info_path: Path) -> list[Row]:
    day = date.today() + timedelta(days=3)
    a1, a14 = availability_paths(info, day)
    with Server():
        base = measure(Row("B", "GET /healthz", "baseline"), "/healthz", seconds)
        base.passed = base.errors == 0
        r_a1 = judge(
            measure(Row("A1", "availability, 1 practitioner, 1 day", ">= 0.35 x B"), a1, seconds),
            base,
            0.35,
        )
        r_a14 = judge(
            measure(
                Row("A14", "availability, all practitioners, 14 days", ">= 0.15 x B"), a14, seconds
            ),
            base,
            0.15,
        )
        script = ROOT / "bench" / "book.lua"
        warm = bookings_file(info, tmp, 0, 4000)
        wrk("/api/appointments/", seconds=2, script=script, script_args=[str(warm), info["token"]])
        main_file = bookings_file(info, tmp, 4000, 15000)
        row_w = Row("W", "POST /api/appointments/ (staff token)", ">= 0.20 x B, 0 err")
        for key, value in wrk(
            "/api/appointments/",
            seconds=seconds,
            script=script,
            script_args=[str(main_file), info["token"]],
        ).items():
            setattr(row_w, key, value)
        judge(row_w, base, 0.20)
        row_p = checkout_row(info, tmp, base, seconds)
        row_d = desk_row(info_path, base, seconds)
    return [base, r_a1, r_a14, row_w, row_p, row_d]


def checkout_row(info: dict, tmp: Path, base: Row, seconds: int) -> Row:
    """Row P: POST /api/checkout/ by a staff token, each request a different past session:
    the invoice, the cash payment and the receipt email queued, in one transaction."""
    script = ROOT / "bench" / "checkout.lua"
    bodies = info["checkouts"]
    warm, main_part = tmp / "checkouts-warm.jsonl", tmp / "checkouts.jsonl"
    warm.write_text("\n".join(json.dumps(b) for b in bodies[:2000]) + "\n")
    main_part.write_text("\n".join(json.dumps(b) for b in bodies[2000:]) + "\n")
    wrk("/api/checkout/", seconds=2, script=script, script_args=[str(warm), info["token"]])
    # The tables the warm-up filled, analysed as autovacuum would have on a clinic in use
    # (bench.build.analyse_checkout_tables says why).
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from bench.build import analyse_checkout_tables; analyse_checkout_tables()",
    )
    row = Row("P", "POST /api/checkout/ (staff token)", ">= 0.15 x B, 0 err")
    args = [str(main_part), info["token"]]
    for key, value in wrk(
        "/api/checkout/", seconds=seconds, script=script, script_args=args
    ).items():
        setattr(row, key, value)
    return judge(row, base, 0.15)


def floor_rows(info: dict, tmp: Path, seconds: int) -> list[Row]:
    """Rows F0 and F1 (bench.floor): row W's request through the API's whole stack, then
    `SELECT 1` (F0) or one committed INSERT (F1) instead of the booking. A ratio is taken
    against GET /healthz served by the same server run, which the JSON keeps."""
    manage("shell", "--no-imports", "-c", "from bench.floor import prepare; prepare()")
    script = ROOT / "bench" / "book.lua"
    bodies = bookings_file(info, tmp, 0, 20_000)  # only validated here: any line will do
    with Server("bench.floor_settings"):
        base = measure(Row("B", "GET /healthz (the floor rows' server)", ""), "/healthz", seconds)
        return [
            relative(
                measure(
                    Row(name, what, "none (floor)", extra={"healthz_rps_same_run": base.rps}),
                    path,
                    seconds,
                    script=script,
                    script_args=[str(bodies), info["token"], "2", path],
                ),
                base,
            )
            for name, what, path in (
                ("F0", "floor: W's request, SELECT 1, no booking", "/bench/floor/read/"),
                ("F1", "floor: W's request, 1 INSERT, no booking", "/bench/floor/write/"),
            )
        ]


def desk_session(info_path: Path) -> dict:
    """bench.desk: a logged-in reception session cookie, the day page path, its queries."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.desk", str(info_path)],
        cwd=ROOT,
        env=production_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def desk_row(info_path: Path, base: Row, seconds: int) -> Row:
    """Row D: the reception day page, all practitioners, a full day, logged in."""
    desk = desk_session(info_path)
    row = Row(
        "D",
        "reception day page (HTML), full day",
        ">= 0.25 x B",
        extra={"queries": desk["queries"]},
    )
    measure(row, desk["path"], seconds, headers={"Cookie": desk["cookie"]})
    return judge(row, base, 0.25)


def messages_row() -> Row:
    """Row M: 10,000 due reminders through the Celery worker to a local SMTP server."""
    from bench.messages import measure_messages

    m = measure_messages(env=production_env())
    errors = m["duplicates"] + m["lost"]
    return Row(
        "M",
        f"{m['count']:,} reminders via worker to SMTP (dup {m['duplicates']}, lost {m['lost']})",
        ">= 500 msg/s, 0 dup/lost",
        rps=m["msgs_per_s"],
        p50_ms=m["p50_ms"],
        p99_ms=m["p99_ms"],
        errors=errors,
        passed=m["msgs_per_s"] >= 500 and errors == 0,
        extra=m,
    )


def a14_at(info: dict, seconds: int) -> tuple[Row, Row]:
    """(B, A14) on the 200k-history clinic, in one server run."""
    _, a14 = availability_paths(info, date.today() + timedelta(days=3))
    with Server():
        base = measure(Row("B", "GET /healthz", ""), "/healthz", seconds)
        return base, measure(Row("A14", "", ""), a14, seconds)


def growth_row(base_20k: Row, a14_20k: Row, base_200k: Row, a14_200k: Row) -> Row:
    """Row H: A14's p50 at 200k history over its p50 at 20k. The two are measured in
    separate server runs minutes apart, and this machine's speed drifts between them, so
    each p50 is first taken relative to GET /healthz's p50 in its own run (as every other
    figure here is a ratio to the baseline of the same run). The raw ratio is kept too."""
    raw = a14_200k.p50_ms / a14_20k.p50_ms if a14_20k.p50_ms else None
    relative = (
        (a14_200k.p50_ms / base_200k.p50_ms) / (a14_20k.p50_ms / base_20k.p50_ms)
        if a14_20k.p50_ms and base_200k.p50_ms and base_20k.p50_ms
        else None
    )
    return Row(
        "H",
        "A14 p50 at 200k / at 20k history (each vs B)",
        "<= 1.15",
        rps=a14_200k.rps,
        p50_ms=a14_200k.p50_ms,
        p99_ms=a14_200k.p99_ms,
        ratio=relative,
        passed=relative is not None and relative <= 1.15,
        extra={
            "raw_p50_ratio": raw,
            "a14_p50_ms": {"20k": a14_20k.p50_ms, "200k": a14_200k.p50_ms},
            "healthz_p50_ms": {"20k": base_20k.p50_ms, "200k": base_200k.p50_ms},
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (>= 10)")
    parser.add_argument("--skip-200k", action="store_true", help="only the 20k-history clinic")
    parser.add_argument("--skip-messages", action="store_true", help="leave out row M")
    args = parser.parse_args()
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    tmp = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    info = build(20_000, tmp / "info-20k.json")
    q20 = queries(tmp / "info-20k.json")
    info = build(20_000, tmp / "info-20k.json")  # fresh: the query count booked two slots
    rows = load_rows(info, args.seconds, tmp, tmp / "info-20k.json")
    rows += floor_rows(info, tmp, args.seconds)
    if not args.skip_messages:
        rows.append(messages_row())
    q20["D"] = next(r for r in rows if r.name == "D").extra["queries"]
    extra: dict = {"queries_20k": q20}
    if not args.skip_200k:
        info200 = build(200_000, tmp / "info-200k.json")
        q200 = queries(tmp / "info-200k.json")
        q200["D"] = desk_session(tmp / "info-200k.json")["queries"]
        base_200k, a14_200k = a14_at(info200, args.seconds)
        extra["queries_200k"] = q200
        rows.append(growth_row(rows[0], rows[2], base_200k, a14_200k))
    worst = {
        k: max(extra.get("queries_20k", {}).get(k, 0), extra.get("queries_200k", {}).get(k, 0))
        for k in q20
    }
    same = "queries_200k" not in extra or extra["queries_20k"] == extra["queries_200k"]
    rows.append(
        Row(
            "Q",
            "queries/request "
            + " ".join(f"{k}={v}" for k, v in q20.items())
            + (" (same at 200k)" if same and "queries_200k" in extra else ""),
            "<= 8, same",
            passed=max(worst.values()) <= 8 and same,
            extra=extra,
        )
    )
    print_table(rows)
    write_results(rows, args.seconds)


def write_results(rows: list[Row], seconds: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"when": stamp, "seconds_per_row": seconds, "rows": [asdict(r) for r in rows]}
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(payload, indent=2))
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2))
    print(f"\nJSON: bench/results/bench-{stamp}.json")


if __name__ == "__main__":
    main()
