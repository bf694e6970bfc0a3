"""Secrets a development machine makes for itself, once, and keeps outside git.

Production reads every secret from the environment (required, clinic.settings.required).
Development must still not use a secret printed in the source: anyone could forge what it
protects. So the first start writes a random value under var/secrets/ (git-ignored, mode
0600) and every later start, in every process, reads the same file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def dev_secret(directory: Path, name: str, nbytes: int = 48) -> str:
    """The secret stored in `directory/name`, created (random, url-safe) if missing."""
    path = directory / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written whole to a file of our own, then linked into place: os.link fails if the name
    # exists, so when two processes start at once both end up with the one value stored.
    temporary = directory / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(nbytes) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
