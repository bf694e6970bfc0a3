"""The requests the benchmark sends, shared by the load rows and the query counts."""

from __future__ import annotations

from datetime import date, timedelta


def availability_paths(info: dict, day: date) -> tuple[str, str]:
    """(A1: one treatment, one practitioner, one day; A14: all practitioners, 14 days)."""
    t, p = info["face"], info["practitioners"][0]
    a1 = f"/api/availability/?treatment={t}&start={day}&end={day}&practitioner={p}"
    a14 = f"/api/availability/?treatment={t}&start={day}&end={day + timedelta(days=13)}"
    return a1, a14
