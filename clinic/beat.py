"""celery-redbeat's scheduler, made to ride out a Redis restart.

redbeat's own tick lets a Redis connection error escape, which ends the beat process; under
`make run` that stops the whole clinic (honcho stops everything when one process dies).
Here a tick that cannot reach Redis is skipped and tried again shortly. A Redis restarted
without persistence has also lost the lock and the schedule: both are stored again, unless
another beat took the lock meanwhile; then this one exits (its service manager starts it
again, and it waits for the lock like any second beat).
"""

from __future__ import annotations

import logging
from typing import Any

from redbeat import RedBeatScheduler
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockNotOwnedError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("celery.beat")

RETRY_SECONDS = 2.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ClinicBeatScheduler(RedBeatScheduler):
    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            return super().tick(*args, **kwargs)
        except UNREACHABLE as exc:
            logger.warning("beat: Redis unreachable (%s); trying again shortly", exc)
            return RETRY_SECONDS
        except LockNotOwnedError:
            if self.lock.acquire(blocking=False):
                logger.warning("beat: the lock was lost with Redis and has been taken again")
                self.setup_schedule()  # the schedule went with it: store the entries again
                return 0.0
            logger.error("beat: another beat holds the lock now; this one stops")
            raise SystemExit(1) from None

    def close(self) -> None:
        try:
            super().close()
        except UNREACHABLE as exc:  # stopping while Redis is away: the lock expires by itself
            logger.warning("beat: could not release the lock (%s)", exc)
