"""The manager's reports page (server-drawn SVG charts) and its CSV download."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.forms import CheckedForm
from clinic.page_access import form_status, page_requires
from clinic.roles import Action
from clinic.svg import bar_chart
from patients.forms import DateInput
from reports.keeping import REBOOK_WITHIN_DAYS
from reports.selectors import Rate, Report, Utilisation, csv_rows, report

MAX_DAYS = 366
DEFAULT_DAYS = 30


class RangeForm(CheckedForm):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput)
    end = forms.DateField(label=gettext_lazy("To"), widget=DateInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", gettext_lazy("The last day comes after the first."))
        elif start and end and (end - start).days >= MAX_DAYS:
            self.add_error("end", gettext_lazy("Choose at most a year."))
        return data


def default_range() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _range(request: HttpRequest) -> tuple[RangeForm, date, date]:
    start, end = default_range()
    form = RangeForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


def _utilisation_chart(items: list[Utilisation]) -> Any:
    return bar_chart(
        [
            (
                u.name,
                u.percent,
                _("%(p)s %% (%(b)s of %(a)s h)")
                % {"p": u.percent, "b": u.booked_minutes // 60, "a": u.available_minutes // 60},
            )
            for u in items
        ]
    )


def _rate_chart(rates: list[Rate]) -> Any:
    return bar_chart([(r.name, r.percent, f"{r.percent} % ({r.count}/{r.out_of})") for r in rates])


def charts(r: Report) -> dict[str, Any]:
    titles = {"practitioner": _("Practitioners"), "room": _("Rooms"), "device": _("Devices")}
    return {
        "utilisation": [
            (kind, titles[kind], items, _utilisation_chart(items))
            for kind, items in r.utilisation.items()
        ],
        "no_show_chart": _rate_chart([r.no_shows, *r.no_shows_by_practitioner]),
        "course_chart": bar_chart(
            [
                (c.treatment, c.percent, f"{c.percent} % ({c.completed}/{c.started})")
                for c in r.courses
            ]
        ),
        "message_chart": bar_chart(
            [
                (
                    m.kind,
                    m.percent_delivered,
                    _("%(s)s sent, %(f)s failed") % {"s": m.sent, "f": m.failed},
                )
                for m in r.messages
            ]
        ),
    }


@page_requires(Action.REPORTS_VIEW)
def reports(request: HttpRequest) -> HttpResponse:
    form, start, end = _range(request)
    r = report(start, end)
    context = {"form": form, "r": r, **charts(r), "csv_query": request.GET.urlencode()}
    context["rebook_days"] = REBOOK_WITHIN_DAYS
    return render(request, "reports/reports.html", context, status=form_status(form))


def _safe(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@page_requires(Action.REPORTS_VIEW)
def reports_csv(request: HttpRequest) -> HttpResponse:
    _form, start, end = _range(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="clinic-report-{start}-{end}.csv"'
    writer = csv.writer(response)
    for row in csv_rows(report(start, end)):
        writer.writerow([_safe(v) for v in row])
    return response
