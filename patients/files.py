"""The private storage of clinical files (photos, signed consent PDFs): STORAGES["clinical"].

Looked up at each use rather than kept in a module variable, so settings (and tests that
point it at a temporary directory) take effect at once.
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def clinical_storage() -> Storage:
    return storages["clinical"]


def clinical_read(name: str) -> bytes:
    with clinical_storage().open(name, "rb") as f:
        return f.read()
