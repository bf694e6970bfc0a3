"""The production WSGI server as the tests start it: gunicorn with the deployment's config
(deploy/gunicorn.conf.py), in its own process group, on the address in GUNICORN_BIND."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.conftest import ROOT, VENV_BIN

COMMAND = [str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "clinic.wsgi"]


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            COMMAND, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_gunicorn(web: subprocess.Popen) -> None:
    """SIGTERM, gunicorn's graceful stop, to the whole group."""
    if web.poll() is None:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(20)
