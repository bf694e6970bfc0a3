"""When a message goes: reminder times and the quiet-hours rule.

Quiet hours (policy, default 21:00 to 08:00 clinic time) are when no automated message
goes out. A reminder that would fall inside them goes *before* the window opens, never
after it (a 2 h reminder for a 09:00 session goes at 20:45 the evening before): a late
reminder is worse than an early one. Advice after a session (home care, the course nudge)
waits until the window closes instead. Everything here is pure: times in, times out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from appointments.calendar import zone

# How long before the quiet window a moved reminder is due: room for the sweep (every
# minute) and a first retry to happen while it is still allowed to go.
QUIET_LEAD = timedelta(minutes=15)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone())


def quiet_window(moment: datetime, start: time, end: time) -> tuple[datetime, datetime] | None:
    """The quiet window (local start, local end) that `moment` falls in, if any.

    The window may cross midnight (21:00 to 08:00) or not (13:00 to 14:00); equal start
    and end mean there are no quiet hours."""
    if start == end:
        return None
    local = moment.astimezone(zone())
    clock, day = local.time(), local.date()
    if start < end:
        inside = start <= clock < end
        return (_at(day, start), _at(day, end)) if inside else None
    if clock >= start:
        return _at(day, start), _at(day + timedelta(days=1), end)
    if clock < end:
        return _at(day - timedelta(days=1), start), _at(day, end)
    return None


def before_quiet_hours(due: datetime, start: time, end: time) -> datetime:
    """`due`, or if it falls in the quiet window, QUIET_LEAD before the window opens."""
    window = quiet_window(due, start, end)
    return due if window is None else window[0] - QUIET_LEAD


def after_quiet_hours(due: datetime, start: time, end: time) -> datetime:
    """`due`, or if it falls in the quiet window, the moment the window closes."""
    window = quiet_window(due, start, end)
    return due if window is None else window[1]


def reminder_due(session_start: datetime, offset_minutes: int, start: time, end: time) -> datetime:
    """When the reminder `offset_minutes` before a session goes, quiet hours applied."""
    return before_quiet_hours(session_start - timedelta(minutes=offset_minutes), start, end)


def retry_backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before try number `attempts + 1`: base, 4 x base, 16 x base ... (at most 6 h)."""
    return timedelta(seconds=min(base_seconds * 4 ** max(attempts - 1, 0), 6 * 3600))
