"""The desk's checkout form: which package session to use, how the patient pays, and
whether the receipt goes by email."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Method, Package
from clinic.forms import CheckedForm

DESK_METHODS = [(m, label) for m, label in Method.choices if m != Method.ONLINE]


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Package) -> str:
        return _("%(plan)s: %(left)s of %(total)s sessions left, until %(until)s") % {
            "plan": obj.plan.name,
            "left": obj.sessions_left,
            "total": obj.sessions_total,
            "until": obj.expires_on.isoformat(),
        }


class CheckoutForm(CheckedForm):
    package = PackageChoiceField(
        label=_("Use a session of a package"),
        queryset=Package.objects.none(),
        required=False,
        empty_label=_("No package: the patient pays"),
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("Payment method"), choices=DESK_METHODS)
    amount = forms.DecimalField(
        label=_("Amount paid now"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to pay the whole total; less is a partial payment."),
    )
    email_receipt = forms.BooleanField(label=_("Email the receipt"), required=False, initial=True)

    def __init__(self, *args: Any, packages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = packages
        first = packages.first()
        if first is not None:
            self.fields["package"].initial = first.pk
