"""The desk's day grid body, built as one string.

The reception's day page is the desk's busiest request (row D of PERFORMANCE.md): a
full day is some 50 rows by 10 columns, which as template loops means thousands of nodes
per request. The cells are simple, so they are written here directly; every text is
escaped. The rest of the page stays in templates/desk/_day.html.

Free cells link to the patient search with the time and the column chosen (booking on
behalf of a patient); desk-grid.js moves that time to the row clicked. Booked cells
carry what the drag-to-move script needs (the appointment and its column).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import urlencode

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from appointments.calendar import zone
from desk.grid import ROW_SECONDS, Booking, Cell, DayGrid

register = template.Library()


@dataclass(frozen=True)
class _Links:
    appt: str
    patient: str
    book: str
    by: str
    course: str
    moved: str


def _booking_cell(b: Booking, cell: Cell, links: _Links) -> str:
    what = escape(b.treatment) + (f" · {links.course}" if b.in_course else "")
    badge = "" if b.status == "booked" else f'<span class="badge">{escape(b.status_label)}</span>'
    movable = (
        f' data-appt="{b.id}" data-col="{cell.column}" data-start="{b.start}" title="{links.moved}"'
        if b.status == "booked"
        else ""
    )
    return (
        f'<td rowspan="{cell.rows}" class="appt st-{b.status}"{movable}>'
        f'<a class="appt-time" href="{links.appt}{b.id}/">{b.time}</a> '
        f'<a class="appt-who" href="{links.patient}{b.patient_id}/">{escape(b.patient)}</a>'
        f'<span class="appt-what">{what}</span>'
        f'<span class="appt-where">{escape(b.where)}</span>{badge}</td>'
    )


def _free_cell(cell: Cell, links: _Links) -> str:
    at = datetime.fromtimestamp(cell.start, tz=zone())
    query = urlencode({"at": f"{at:%Y-%m-%dT%H:%M}", "by": links.by, "column": cell.column})
    label = escape(_("Free · book at %(time)s") % {"time": f"{at:%H:%M}"})
    return (
        f'<td rowspan="{cell.rows}" class="free" data-col="{cell.column}" '
        f'data-start="{cell.start}" data-rows="{cell.rows}">'
        f'<a class="free-book" href="{links.book}?{escape(query)}">{label}</a></td>'
    )


def _row_header(grid: DayGrid, n: int, label: str) -> str:
    """The time shown on the hour and half hour; the quarter rows' time is there for
    screen readers only (a row header must not be empty)."""
    if label:
        return label
    at = datetime.fromtimestamp(grid.lo + n * ROW_SECONDS, tz=zone())
    return f'<span class="visually-hidden">{at:%H:%M}</span>'


@register.simple_tag
def day_grid_rows(
    grid: DayGrid, appt_prefix: str, patient_prefix: str, book_url: str = ""
) -> SafeString:
    """<tr> rows of the grid's body: each cell is written in the row it starts in."""
    links = _Links(
        escape(appt_prefix),
        escape(patient_prefix),
        escape(book_url),
        grid.by,
        escape(_("course")),
        escape(_("Drag to another free time to move it")),
    )
    out: list[str] = []
    for n, row in enumerate(grid.rows):
        out.append(f'<tr><th scope="row" class="t">{_row_header(grid, n, row.label)}</th>')
        for cell in row.cells:
            if cell.booking is not None:
                out.append(_booking_cell(cell.booking, cell, links))
            elif cell.kind == "free":
                out.append(_free_cell(cell, links))
            else:
                out.append(f'<td rowspan="{cell.rows}" class="off"></td>')
        out.append("</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)
