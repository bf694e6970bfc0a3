"""The manager's money report: revenue by day, practitioner and treatment (credit notes
taken away), the daily cash-up by method with refunds apart, outstanding balances and
package liability; CSV; the manager only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from appointments.services import appointment_complete
from billing.services.checkout import checkout
from billing.services.invoices import credit_note_issue, invoice_issue
from billing.services.packages import package_buy_online, package_redeem, package_sell
from billing.services.payments import payment_take, refund_make
from billing.services.unpaid_packages import packages_cancel_unpaid
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, line, plan, priced_clinic, session
from tests.factories import login_staff, patient, staff

pytestmark = at_clinic_now
D = Decimal


def client_of(role: Role) -> Client:
    client = Client()
    login_staff(client, staff(role))
    return client


@pytest.fixture
def month(db):
    clinic = priced_clinic()
    anna, boris = cleared_patient(), patient()
    visit = checkout(actor=desk(), appointment_id=session(clinic, anna).pk, method="card")
    sale = invoice_issue(actor=desk(), patient_id=boris.pk, lines=[line("500.00", kind="product")])
    cash = payment_take(actor=desk(), invoice=sale, method="cash", amount=D("300.00"))
    credit_note_issue(actor=desk(), invoice=sale, amount=D("100.00"), reason="damaged box")
    refund_make(actor=desk(), payment=cash, amount=D("100.00"), to="method", reason="box")
    package = package_sell(actor=desk(), patient_id=anna.pk, plan=plan(clinic, sessions=10))
    later = session(clinic, anna, days=4, ago=4)
    package_redeem(actor=desk(), package=package, appointment=later)
    appointment_complete(actor=desk(), appointment=later)
    return {"clinic": clinic, "visit": visit, "anna": anna, "boris": boris}


def test_the_money_report_adds_up(month):
    page = client_of(Role.MANAGER).get("/reports/money/")
    assert page.status_code == 200
    r = page.context["r"]
    # 1200 (session) + 500 (sale) - 100 (credit note) + 9000 (package)
    assert r.revenue == D("10600.00")
    by_person = dict(r.revenue_by_practitioner)
    assert by_person["Dr 0"] == D("1200.00")  # the prepaid session adds nothing
    assert dict(r.revenue_by_treatment)["Microcurrent therapy, face"] == D("1200.00")
    cash_up = {(method, taken, refunded) for _, method, taken, refunded in r.cash_up}
    assert cash_up == {("card", D("1200.00"), D("0")), ("cash", D("300.00"), D("100.00"))}
    # Boris: 500 - 100 (credit note) - 300 paid + 100 refunded = 200; Anna owes the package
    assert dict((n, owed) for n, owed, _c in r.outstanding) == {
        month["boris"].full_name: D("200.00"),
        month["anna"].full_name: D("9000.00"),
    }
    assert r.packages["sessions_sold"] == 10 and r.packages["sessions_used"] == 1
    assert r.packages["liability"] == D("8100.00")


def test_the_money_csv_holds_the_same_figures(month):
    response = client_of(Role.MANAGER).get("/reports/money/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "metric", "value"]
    assert ["package_liability", "all", "liability", "8100.00"] in rows
    assert ["revenue_by_practitioner", "Dr 0", "revenue", "1200.00"] in rows


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.DERMATOLOGIST])
def test_only_the_manager_sees_the_money_report(db, role):
    assert client_of(role).get("/reports/money/").status_code == 403


def test_a_package_cancelled_unpaid_is_not_counted_as_sold(month):
    buyer = patient()
    package_buy_online(actor=Actor(user=buyer.user), plan=plan(month["clinic"], sessions=7))
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert packages_cancel_unpaid() == 1
    r = client_of(Role.MANAGER).get("/reports/money/").context["r"]
    assert r.packages["sessions_sold"] == 10  # Anna's package only
    assert r.revenue == D("10600.00")  # its invoice and its credit note cancel out
