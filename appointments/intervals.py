"""Arithmetic on sorted lists of half-open intervals [start, end) of integers (seconds).

Availability is computed on intervals (merge, intersect, subtract) rather than by testing
every candidate start against every appointment, so its cost follows the number of
intervals in the asked window, not the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, non-adjacent union of the intervals."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Intersection of two merged lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The parts of merged list `a` not covered by merged list `b`."""
    out: list[Interval] = []
    j = 0
    for start, end in a:
        cur = start
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cur:
                out.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            if cur >= end:
                break
            k += 1
        if cur < end:
            out.append((cur, end))
    return out


def starts_fitting(free: list[Interval], length: int) -> list[Interval]:
    """Where a block of `length` may start so it lies wholly inside one free interval:
    [a, b - length] for each free [a, b), as closed-open [a, b - length + 1)."""
    return [(a, b - length + 1) for a, b in free if b - a >= length]


def grid_points(intervals: list[Interval], step: int, phase: int = 0) -> Iterator[int]:
    """Every t with (t - phase) % step == 0 inside the intervals."""
    for start, end in intervals:
        t = start + (-(start - phase)) % step
        while t < end:
            yield t
            t += step


def contains(intervals: list[Interval], start: int, end: int) -> bool:
    """Does one interval of the merged list hold [start, end) entirely?"""
    from bisect import bisect_right

    i = bisect_right(intervals, (start, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= start and end <= intervals[i][1]
