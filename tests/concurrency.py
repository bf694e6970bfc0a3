"""Steps run at the same moment, each on its own thread and so its own database
connection, as two desks, a webhook and beat, or two patients would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def at_once(*steps: Callable[[], Any]) -> list[Any]:
    """Start every step together (a barrier), each closing its connection after; their
    results, in order."""
    barrier = threading.Barrier(len(steps))

    def run(step: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return step()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        return list(pool.map(run, steps))
