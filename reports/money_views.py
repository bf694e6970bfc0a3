"""The manager's money report page and its CSV (reports.money)."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing.money import currency
from clinic.page_access import form_status, page_requires
from clinic.roles import Action
from clinic.svg import bar_chart
from reports.money import MoneyReport, money_csv_rows, money_report
from reports.views import _range, _safe


def _chart(rows: list[tuple[str, object]]) -> object:
    top = max((float(v) for _, v in rows), default=0.0)
    return bar_chart([(str(n), float(v), f"{v}") for n, v in rows], maximum=top or 1.0)


def _charts(r: MoneyReport) -> dict[str, object]:
    return {
        "day_chart": _chart([(d.isoformat(), v) for d, v in r.revenue_by_day]),
        "practitioner_chart": _chart(r.revenue_by_practitioner),
        "treatment_chart": _chart(r.revenue_by_treatment),
    }


@page_requires(Action.REPORTS_VIEW)
def money(request: HttpRequest) -> HttpResponse:
    form, start, end = _range(request)
    r = money_report(start, end)
    context = {
        "form": form,
        "r": r,
        "currency": currency(),
        "csv_query": request.GET.urlencode(),
        **_charts(r),
    }
    return render(request, "reports/money.html", context, status=form_status(form))


@page_requires(Action.REPORTS_VIEW)
def money_csv(request: HttpRequest) -> HttpResponse:
    _form, start, end = _range(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="clinic-money-{start}-{end}.csv"'
    writer = csv.writer(response)
    for row in money_csv_rows(money_report(start, end)):
        writer.writerow([_safe(v) for v in row])
    return response
