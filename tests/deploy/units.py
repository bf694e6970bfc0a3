"""The systemd units of deploy/systemd/, read the way systemd reads them, and their
commands run as real processes on this machine: /srv/clinic becomes the repository
root, the unit's Environment= lines are the defaults that the environment file (here the
test's environment) overrides, and a stop is what systemd does with KillMode=mixed: the
unit's KillSignal to the main process, SIGKILL for whatever is left after TimeoutStopSec."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"
SRV = "/srv/clinic"
SERVICES = ("web", "worker", "beat")


@dataclass
class Unit:
    path: Path
    sections: dict[str, dict[str, list[str]]]

    def all(self, key: str, section: str = "Service") -> list[str]:
        return self.sections.get(section, {}).get(key, [])

    def get(self, key: str, section: str = "Service") -> str | None:
        values = self.all(key, section)
        return values[-1] if values else None  # a later assignment wins, as in systemd

    def command(self, key: str = "ExecStart") -> list[str]:
        value = self.get(key)
        assert value, f"{self.path.name} has no {key}"
        return shlex.split(value)

    def environment(self) -> dict[str, str]:
        """Environment= assignments (several per line allowed, quoted like a shell word)."""
        out: dict[str, str] = {}
        for line in self.all("Environment"):
            for word in shlex.split(line):
                name, _, value = word.partition("=")
                out[name] = value
        return out

    @property
    def kill_signal(self) -> signal.Signals:
        return signal.Signals[self.get("KillSignal") or "SIGTERM"]

    @property
    def stop_timeout(self) -> float:
        return seconds(self.get("TimeoutStopSec") or "90s")


def parse_unit(path: Path) -> Unit:
    """systemd's unit syntax: [Section], Key=value, comments on lines of their own starting
    with # or ;, a trailing backslash continues the line; a key may repeat."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any [Section]"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a Key=value line: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return Unit(path, sections)


def load(name: str) -> Unit:
    return parse_unit(UNITS / name)


def seconds(value: str) -> float:
    """A systemd time span such as 30, 30s, 2min, 1h 30min."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "ms": 0.001}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value):
        total += float(number) * units[unit]
    return total


def expand(words: list[str], env: dict[str, str]) -> list[str]:
    """systemd's variable expansion in Exec*= lines: a word that is just $NAME becomes the
    value split at whitespace (zero or more words); ${NAME} becomes the value as it is."""
    out: list[str] = []
    for word in words:
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            out.extend(env.get(whole[1], "").split())
        else:
            out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m[1], ""), word))
    return out


def here(value: str) -> str:
    """A path of the installed clinic, on this machine: the repository."""
    return value.replace(SRV, str(ROOT))


def local_command(unit: Unit, env: dict[str, str], key: str = "ExecStart") -> list[str]:
    return expand([here(word) for word in unit.command(key)], env)


class Service:
    """A unit's ExecStart as a real process in its own process group (its "cgroup")."""

    def __init__(self, unit: Unit, log: Path, env: dict[str, str]) -> None:
        self.unit = unit
        self.log = log
        # The unit's Environment= first; the environment file (here: env) overrides it.
        self.env = {**unit.environment(), **env}
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Service:
        workdir = here(self.unit.get("WorkingDirectory") or SRV)
        argv = local_command(self.unit, self.env)
        assert Path(argv[0]).is_file() and os.access(argv[0], os.X_OK), argv[0]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                cwd=workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, chars: int = 4000) -> str:
        return f"\n--- {self.log.name} ---\n{self.text()[-chars:]}"

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def reload(self) -> None:
        """ExecReload=, with $MAINPID as systemd sets it."""
        argv = expand(self.unit.command("ExecReload"), {**self.env, "MAINPID": str(self.pid)})
        subprocess.run(argv, check=True, timeout=10)

    def stop(self) -> float:
        """What `systemctl stop` does with KillMode=mixed: KillSignal to the main process,
        then wait up to TimeoutStopSec. Returns the seconds it took; fails (after killing
        the whole group) if it took longer."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(self.unit.kill_signal)
        try:
            self.proc.wait(self.unit.stop_timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"{self.unit.path.name} did not stop within TimeoutStopSec="
                f"{self.unit.stop_timeout:g}s of {self.unit.kill_signal.name}" + self.tail()
            ) from None
        return time.monotonic() - started

    def leftovers(self) -> bool:
        """Whether any process of its group outlived the main one."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the whole group, as systemd does to what is left of a unit."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
