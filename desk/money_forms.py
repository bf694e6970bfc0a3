"""The desk's money forms: selling a package, a refund, a credit note. The rules (limits,
what is left to refund or credit) live in the billing services; their errors are placed
beside these fields by clinic.pages.show_domain_error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import PackagePlan, RefundTo
from clinic.forms import CheckedForm
from desk.checkout_forms import DESK_METHODS


def _amount(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PackagePlan) -> str:
        return _("%(name)s: %(sessions)s sessions, %(price)s, valid %(days)s days") % {
            "name": obj.name,
            "sessions": obj.sessions,
            "price": obj.price.amount,
            "days": obj.valid_days,
        }


class PackageSellForm(CheckedForm):
    plan = PlanChoiceField(
        label=_("Package"), queryset=PackagePlan.objects.filter(active=True), empty_label=None
    )
    method = forms.ChoiceField(
        label=_("Paid now by"),
        choices=[("", _("Not paid now: the invoice stays open")), *DESK_METHODS],
        required=False,
    )


class RefundForm(CheckedForm):
    amount = _amount(_("Amount to refund"))
    to = forms.ChoiceField(
        label=_("Refund to"),
        choices=RefundTo.choices,
        widget=forms.RadioSelect,
        initial=RefundTo.METHOD,
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CreditNoteForm(CheckedForm):
    amount = _amount(_("Amount to credit"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CoursePackageForm(CheckedForm):
    """The course wizard's last step may sell a package covering the course's treatment
    with it (booked and sold together, or neither)."""

    package = PlanChoiceField(
        label=_("Sell a package with the course"),
        queryset=PackagePlan.objects.none(),
        required=False,
        empty_label=_("No package: sessions are paid one by one"),
    )

    def __init__(self, *args: Any, treatment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = PackagePlan.objects.filter(active=True, treatments=treatment).distinct()
        self.fields["package"].queryset = plans
