"""The desk's day grid body, built as one string.

The reception's day page is the desk's busiest request (row D of PERFORMANCE.md): a
full day is some 50 rows by 10 columns, which as template loops means thousands of nodes
per request. The cells are simple, so they are written here directly; every text is
escaped. The rest of the page stays in templates/desk/_day.html.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from desk.grid import Booking, DayGrid

register = template.Library()


def _booking_cell(b: Booking, rows: int, links: dict[str, str], course: str) -> str:
    what = escape(b.treatment) + (f" · {course}" if b.in_course else "")
    badge = "" if b.status == "booked" else f'<span class="badge">{escape(b.status_label)}</span>'
    return (
        f'<td rowspan="{rows}" class="appt st-{b.status}">'
        f'<a class="appt-time" href="{links["appt"]}{b.id}/">{b.time}</a> '
        f'<a class="appt-who" href="{links["patient"]}{b.patient_id}/">{escape(b.patient)}</a>'
        f'<span class="appt-what">{what}</span>'
        f'<span class="appt-where">{escape(b.where)}</span>{badge}</td>'
    )


@register.simple_tag
def day_grid_rows(grid: DayGrid, appt_prefix: str, patient_prefix: str) -> SafeString:
    """<tr> rows of the grid's body: each cell is written in the row it starts in."""
    links = {"appt": escape(appt_prefix), "patient": escape(patient_prefix)}
    free = f'<span class="visually-hidden">{escape(_("Free"))}</span>'
    course = escape(_("course"))
    out: list[str] = []
    for row in grid.rows:
        out.append(f'<tr><th scope="row" class="t">{row.label}</th>')
        for cell in row.cells:
            if cell.booking is not None:
                out.append(_booking_cell(cell.booking, cell.rows, links, course))
            elif cell.kind == "free":
                out.append(f'<td rowspan="{cell.rows}" class="free">{free}</td>')
            else:
                out.append(f'<td rowspan="{cell.rows}" class="off"></td>')
        out.append("</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)
