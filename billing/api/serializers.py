"""Input (strict: clinic.api.StrictSerializer) and output of the billing API. Amounts are
JSON strings with two decimals ("1200.00"), never numbers: no float ever touches money."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing.models import (
    InvoiceKind,
    LineKind,
    Method,
    Package,
    PaymentStatus,
    Refund,
    RefundTo,
)
from clinic.api import IdField, StrictSerializer

CENT = Decimal("0.01")


def amount_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("min_value", CENT)
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class CurrencyField(serializers.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", _("ISO 4217 code; the clinic's currency only."))
        super().__init__(**kwargs)


class LineInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=LineKind.choices, default=LineKind.PRODUCT)
    description = serializers.CharField(max_length=200)
    treatment = IdField(required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    unit_price = amount_field(min_value=Decimal("0"))
    discount = amount_field(min_value=Decimal("0"), required=False, default=Decimal("0"))
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        default=Decimal("0"),
    )


class InvoiceInput(StrictSerializer):
    patient = IdField()
    lines = LineInput(many=True, allow_empty=False, max_length=100)
    appointment = IdField(required=False)
    currency = CurrencyField()


class CreditNoteInput(StrictSerializer):
    amount = amount_field()
    reason = serializers.CharField(max_length=300)
    currency = CurrencyField()


class PaymentInput(StrictSerializer):
    method = serializers.ChoiceField(choices=Method.choices)
    amount = amount_field()
    reference = serializers.CharField(max_length=100, required=False, default="")
    currency = CurrencyField()


class RefundInput(StrictSerializer):
    amount = amount_field()
    to = serializers.ChoiceField(choices=RefundTo.choices, default=RefundTo.METHOD)
    reason = serializers.CharField(max_length=300)
    currency = CurrencyField()


class PackageQuery(StrictSerializer):
    json_types = False  # a query string: all text
    patient = IdField(required=False, help_text=_("Whose packages (staff: required)."))


class PackageSellInput(StrictSerializer):
    patient = IdField()
    plan = IdField()
    currency = CurrencyField()


class RedeemInput(StrictSerializer):
    appointment = IdField()


class PackageRefundInput(StrictSerializer):
    reason = serializers.CharField(max_length=300)


class CheckoutInput(StrictSerializer):
    shared = True  # checked by one instance per process: clinic.api.validated

    appointment = IdField()
    method = serializers.ChoiceField(
        choices=Method.choices, required=False, help_text=_("Not online: that is the patient's.")
    )
    amount = amount_field(required=False, help_text=_("Less than the total: a partial payment."))
    package = IdField(required=False)
    lines = LineInput(many=True, required=False, max_length=100)
    email_receipt = serializers.BooleanField(default=True)
    currency = CurrencyField()


class MoneyOut(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()

    def to_representation(self, instance):
        return {"amount": f"{instance.amount:.2f}", "currency": str(instance.currency)}


# The invoice, its lines and payments are written out field by field rather than as
# ModelSerializers: they are in every checkout's answer (bench row P), and building a
# ModelSerializer's fields from the model on each use cost about 1 ms of it.
class LineOutput(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=LineKind.choices, read_only=True)
    description = serializers.CharField(read_only=True)
    treatment = serializers.IntegerField(source="treatment_id", read_only=True, allow_null=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = MoneyOut(read_only=True)
    discount = MoneyOut(read_only=True)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    tax = MoneyOut(read_only=True)
    total = MoneyOut(read_only=True)


class InvoiceOutput(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    appointment = serializers.IntegerField(source="appointment_id", read_only=True, allow_null=True)
    corrects = serializers.CharField(
        source="corrects.number",
        read_only=True,
        allow_null=True,
        help_text=_("A credit note: the number of the invoice it corrects."),
    )
    issued_at = serializers.DateTimeField(read_only=True)
    subtotal = MoneyOut(read_only=True)
    discount = MoneyOut(read_only=True)
    tax = MoneyOut(read_only=True)
    total = MoneyOut(read_only=True)
    lines = LineOutput(many=True, source="line_rows", read_only=True)


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    invoice = serializers.IntegerField(source="invoice_id", read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    method = serializers.ChoiceField(choices=Method.choices, read_only=True)
    amount = MoneyOut(read_only=True)
    status = serializers.ChoiceField(choices=PaymentStatus.choices, read_only=True)
    reference = serializers.CharField(read_only=True)
    provider = serializers.CharField(read_only=True)
    provider_ref = serializers.CharField(read_only=True)
    failure_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    settled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    checkout_url = serializers.CharField(read_only=True)
    client_secret = serializers.CharField(required=False, help_text=_("Online: to confirm it."))


class RefundOutput(serializers.ModelSerializer):
    amount = MoneyOut()

    class Meta:
        model = Refund
        fields = ["id", "payment", "amount", "to", "reason", "created_at"]


class PackageOutput(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name")
    invoice_number = serializers.CharField(source="invoice.number")
    price = MoneyOut()
    sessions_left = serializers.IntegerField()

    class Meta:
        model = Package
        fields = [
            "id",
            "patient",
            "plan",
            "plan_name",
            "invoice",
            "invoice_number",
            "sessions_total",
            "sessions_used",
            "sessions_left",
            "price",
            "expires_on",
            "status",
            "sold_at",
            "pay_by",
        ]


class RedemptionOutput(serializers.Serializer):
    package = serializers.IntegerField(source="package_id")
    appointment = serializers.IntegerField(source="appointment_id")
    reason = serializers.CharField()
    sessions_left = serializers.IntegerField(source="package.sessions_left")


class BalanceOutput(serializers.Serializer):
    patient = serializers.IntegerField()
    owed = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


class CheckoutOutput(serializers.Serializer):
    invoice = InvoiceOutput()
    payment = PaymentOutput(allow_null=True)
    redemption = RedemptionOutput(allow_null=True)
    receipt_queued = serializers.BooleanField()


class RefundToCredit(serializers.Serializer):
    package = serializers.IntegerField()
    credited = serializers.DecimalField(max_digits=12, decimal_places=2)


class WebhookOutput(serializers.Serializer):
    received = serializers.BooleanField()
