"""The manager's money report: revenue by day, practitioner and treatment; payments by
method per day (the daily cash-up, refunds apart); outstanding balances; package
liability. Reads only (billing's rows), a few aggregate queries whatever the range holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from appointments.calendar import zone
from billing.models import Invoice, InvoiceLine, LedgerEntry, Package, Payment, Refund

ZERO = Decimal("0.00")


@dataclass
class MoneyReport:
    start: date
    end: date
    revenue_by_day: list[tuple[date, Decimal]] = field(default_factory=list)
    revenue_by_practitioner: list[tuple[str, Decimal]] = field(default_factory=list)
    revenue_by_treatment: list[tuple[str, Decimal]] = field(default_factory=list)
    cash_up: list[tuple[date, str, Decimal, Decimal]] = field(default_factory=list)
    outstanding: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    packages: dict[str, int | Decimal] = field(default_factory=dict)

    @property
    def revenue(self) -> Decimal:
        return sum((v for _, v in self.revenue_by_day), ZERO)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), tzinfo=zone()),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone()),
    )


def _signed_total() -> Sum:
    """Invoices count, credit notes take away."""
    return Sum("total") - Sum("total", filter=Q(kind="credit_note"), default=0) * 2


def _revenue(report: MoneyReport, issued: Q) -> None:
    docs = Invoice.objects.filter(issued)
    by_day = (
        docs.annotate(day=TruncDate("issued_at", tzinfo=zone()))
        .values("day")
        .annotate(total=_signed_total())
        .order_by("day")
    )
    report.revenue_by_day = [(row["day"], row["total"]) for row in by_day]
    by_person = (
        docs.values(name=F("appointment__practitioner__display_name"))
        .annotate(total=_signed_total())
        .order_by("-total")
    )
    report.revenue_by_practitioner = [(r["name"] or "-", r["total"]) for r in by_person]
    lines = (
        InvoiceLine.objects.filter(invoice__in=docs.filter(kind="invoice"))
        .values(name=F("treatment__name"))
        .annotate(total=Sum("total"))
        .order_by("-total")
    )
    report.revenue_by_treatment = [(r["name"] or "-", r["total"]) for r in lines]


def _cash_up(report: MoneyReport, start: datetime, end: datetime) -> None:
    taken = (
        Payment.objects.filter(status="succeeded", settled_at__gte=start, settled_at__lt=end)
        .annotate(day=TruncDate("settled_at", tzinfo=zone()))
        .values("day", "method")
        .annotate(total=Sum("amount"))
    )
    back = (
        Refund.objects.filter(to="method", created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone()))
        .values("day", method=F("payment__method"))
        .annotate(total=Sum("amount"))
    )
    cells: dict[tuple[date, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in taken:
        cells[(row["day"], row["method"])][0] = row["total"]
    for row in back:
        cells[(row["day"], row["method"])][1] = row["total"]
    report.cash_up = [(d, m, v[0], v[1]) for (d, m), v in sorted(cells.items())]


def _outstanding(report: MoneyReport) -> None:
    """Each patient's latest ledger row (PostgreSQL's DISTINCT ON) with something owed."""
    latest = (
        LedgerEntry.objects.order_by("patient_id", "-seq")
        .distinct("patient_id")
        .values(
            "patient_id", "owed_after", "credit_after", "patient__first_name", "patient__last_name"
        )
    )
    rows = [
        (
            f"{r['patient__first_name']} {r['patient__last_name']}",
            r["owed_after"],
            r["credit_after"],
        )
        for r in latest
        if r["owed_after"] > 0
    ]
    report.outstanding = sorted(rows, key=lambda row: -row[1])


def _packages(report: MoneyReport, start: datetime, end: datetime) -> None:
    today = timezone.localdate()
    # A package bought online and cancelled unpaid was never sold (its invoice credited).
    sold = Package.objects.filter(sold_at__gte=start, sold_at__lt=end).exclude(status="cancelled")
    live = Package.objects.filter(status="active", expires_on__gte=today)
    dead = Package.objects.filter(status="active", expires_on__lt=today)
    totals = sold.aggregate(sessions=Sum("sessions_total"), value=Sum("price"))
    unused = live.aggregate(left=Sum(F("sessions_total") - F("sessions_used")))
    report.packages = {
        "sold": sold.count(),
        "sessions_sold": totals["sessions"] or 0,
        "value_sold": totals["value"] or ZERO,
        "sessions_used": Package.objects.aggregate(n=Sum("sessions_used"))["n"] or 0,
        "sessions_unused_active": unused["left"] or 0,
        "liability": sum(
            (
                _left_value(*row)
                for row in live.values_list("price", "sessions_total", "sessions_used")
            ),
            ZERO,
        ),
        "sessions_expired_unused": dead.aggregate(n=Sum(F("sessions_total") - F("sessions_used")))[
            "n"
        ]
        or 0,
    }


def _left_value(price: Decimal, total: int, used: int) -> Decimal:
    """The unused sessions' share of the price: what the clinic still owes in sessions."""
    return (price * (total - used) / total).quantize(Decimal("0.01"))


def money_report(start: date, end: date) -> MoneyReport:
    report = MoneyReport(start, end)
    first, after = _bounds(start, end)
    _revenue(report, Q(issued_at__gte=first, issued_at__lt=after))
    _cash_up(report, first, after)
    _outstanding(report)
    _packages(report, first, after)
    return report


def money_csv_rows(r: MoneyReport) -> list[list[str | int | Decimal]]:
    """One table, as the other report's CSV: section, item, metric, value."""
    rows: list[list[str | int | Decimal]] = [["section", "item", "metric", "value"]]
    rows += [["revenue_by_day", d.isoformat(), "revenue", v] for d, v in r.revenue_by_day]
    rows += [["revenue_by_practitioner", n, "revenue", v] for n, v in r.revenue_by_practitioner]
    rows += [["revenue_by_treatment", n, "revenue", v] for n, v in r.revenue_by_treatment]
    for d, method, taken, refunded in r.cash_up:
        rows += [
            ["cash_up", f"{d.isoformat()} {method}", "taken", taken],
            ["cash_up", f"{d.isoformat()} {method}", "refunded", refunded],
        ]
    rows += [["outstanding", n, "owed", owed] for n, owed, _credit in r.outstanding]
    rows += [["package_liability", "all", k, v] for k, v in r.packages.items()]
    return rows
