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
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("CLINIC_BENCH_PORT", "8099"))


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
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; TLS is the proxy's job
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=production_env(), check=True)


class Server:
    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "clinic.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
                "--access-logfile",
                "-",
                "--access-logformat",
                "-",
            ],
            cwd=ROOT,
            env=production_env(),
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


def wrk(path: str, seconds: int = 10, script: Path | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def measure(row: Row, path: str, seconds: int, script: Path | None = None) -> Row:
    wrk(path, seconds=2, script=script)  # warm-up
    for key, value in wrk(path, seconds=seconds, script=script).items():
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (>= 10)")
    args = parser.parse_args()
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    rows: list[Row] = []
    with Server():
        base = measure(Row("B", "GET /healthz", "baseline"), "/healthz", args.seconds)
        base.passed = base.errors == 0
        rows.append(base)
    print_table(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"when": stamp, "seconds_per_row": args.seconds, "rows": [asdict(r) for r in rows]}
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(payload, indent=2))
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2))
    print(f"\nJSON: bench/results/bench-{stamp}.json")


if __name__ == "__main__":
    main()
