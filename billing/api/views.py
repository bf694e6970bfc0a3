"""Thin views: strict input -> service -> output. Who may: clinic.roles (BILLING_*)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Appointment
from billing import selectors
from billing.api import serializers as s
from billing.models import Invoice, Method
from billing.money import currency
from billing.providers import BadSignature, provider
from billing.receipts import receipt_pdf
from billing.services import checkout as checkout_service
from billing.services import invoices, packages, payments
from clinic.api import actor_of, represent, requires, validated
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action, can
from patients.models import Patient


def _lines(data: list[dict]) -> list[invoices.LineInput]:
    return [
        invoices.LineInput(
            kind=line["kind"],
            description=line["description"],
            unit_price=line["unit_price"],
            quantity=line["quantity"],
            discount=line["discount"],
            tax_rate=line["tax_rate"],
            treatment_id=line.get("treatment"),
        )
        for line in data
    ]


def _require_desk(request: Request, message: str) -> None:
    """For a view whose GET a patient may use but whose POST only the desk."""
    if not can(request.user, Action.BILLING_TAKE):
        raise Forbidden(message, code="forbidden")


def _patient_id(patient_id: int) -> int:
    if not Patient.objects.filter(pk=patient_id, merged_into__isnull=True).exists():
        raise Invalid(
            _("Unknown patient."), fields={"patient": [_("Unknown patient %s.") % patient_id]}
        )
    return patient_id


def _appointment_of(patient_id: int, appointment_id: int | None) -> int | None:
    if appointment_id is None:
        return None
    if not Appointment.objects.filter(pk=appointment_id, patient_id=patient_id).exists():
        raise Invalid(
            _("No such appointment of this patient."),
            fields={"appointment": [_("Not an appointment of this patient.")]},
        )
    return appointment_id


class InvoiceListCreate(generics.ListAPIView):
    """Invoices and credit notes (patients: their own). POST issues one: numbered, then
    read-only; a correction is a credit note."""

    permission_classes = [requires(Action.BILLING_VIEW)]
    serializer_class = s.InvoiceOutput
    queryset = Invoice.objects.none()

    def get_queryset(self):
        return selectors.invoice_list(self.request.user)

    @extend_schema(request=s.InvoiceInput, responses={201: s.InvoiceOutput})
    def post(self, request: Request) -> Response:
        _require_desk(request, _("Invoices are issued at the desk."))
        data = validated(s.InvoiceInput, request)
        patient_id = _patient_id(data["patient"])
        invoice = invoices.invoice_issue(
            actor=actor_of(request),
            patient_id=patient_id,
            lines=_lines(data["lines"]),
            appointment_id=_appointment_of(patient_id, data.get("appointment")),
            currency_code=data.get("currency"),
        )
        return Response(s.InvoiceOutput(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetail(APIView):
    permission_classes = [requires(Action.BILLING_VIEW)]

    @extend_schema(responses=s.InvoiceOutput)
    def get(self, request: Request, invoice_id: int) -> Response:
        invoice = selectors.invoice_get_for(request.user, invoice_id)
        return Response(s.InvoiceOutput(invoice).data)


class InvoiceReceipt(APIView):
    """The receipt as a PDF."""

    permission_classes = [requires(Action.BILLING_VIEW)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, invoice_id: int) -> HttpResponse:
        invoice = selectors.invoice_get_for(request.user, invoice_id)
        response = HttpResponse(receipt_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{invoice.number}.pdf"'
        return response


class CreditNoteCreate(APIView):
    permission_classes = [requires(Action.BILLING_TAKE)]

    @extend_schema(request=s.CreditNoteInput, responses={201: s.InvoiceOutput})
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = selectors.invoice_get_for(request.user, invoice_id)
        data = validated(s.CreditNoteInput, request)
        note = invoices.credit_note_issue(
            actor=actor_of(request),
            invoice=invoice,
            amount=data["amount"],
            reason=data["reason"],
            currency_code=data.get("currency"),
        )
        return Response(s.InvoiceOutput(note).data, status=status.HTTP_201_CREATED)


class PaymentCreate(APIView):
    """Pay an invoice: at the desk (cash, card terminal, bank transfer, account credit),
    or online (the patient or staff: the patient pays on the provider's page at
    `checkout_url`; the provider's signed webhook settles it)."""

    permission_classes = [requires(Action.BILLING_VIEW)]

    @extend_schema(request=s.PaymentInput, responses={201: s.PaymentOutput})
    def post(self, request: Request, invoice_id: int) -> Response:
        invoice = selectors.invoice_get_for(request.user, invoice_id)
        data = validated(s.PaymentInput, request)
        actor = actor_of(request)
        if data["method"] == Method.ONLINE:
            payment, intent = payments.payment_start_online(
                actor=actor,
                invoice=invoice,
                amount=data["amount"],
                currency_code=data.get("currency"),
            )
            body = {**s.PaymentOutput(payment).data, "client_secret": intent.client_secret}
            return Response(body, status=status.HTTP_201_CREATED)
        if not can(request.user, Action.BILLING_TAKE):
            raise Forbidden(
                _("Patients pay online."), code="forbidden", fields={"method": [_("Use online.")]}
            )
        payment = payments.payment_take(
            actor=actor,
            invoice=invoice,
            method=data["method"],
            amount=data["amount"],
            reference=data["reference"],
            currency_code=data.get("currency"),
        )
        return Response(s.PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


class RefundCreate(APIView):
    """Refund a payment, to its method or to account credit; never above what was paid.
    Reception up to the manager's limit (BillingPolicy), the manager above it."""

    permission_classes = [requires(Action.BILLING_TAKE)]

    @extend_schema(request=s.RefundInput, responses={201: s.RefundOutput})
    def post(self, request: Request, payment_id: int) -> Response:
        payment = selectors.payment_get_for(request.user, payment_id)
        data = validated(s.RefundInput, request)
        refund = payments.refund_make(
            actor=actor_of(request),
            payment=payment,
            amount=data["amount"],
            to=data["to"],
            reason=data["reason"],
            currency_code=data.get("currency"),
        )
        return Response(s.RefundOutput(refund).data, status=status.HTTP_201_CREATED)


class PackageListCreate(APIView):
    """A patient's prepaid packages with the sessions left (patients: their own; staff give
    `patient`; a patient holds a few, so the list is whole). POST sells one."""

    permission_classes = [requires(Action.BILLING_VIEW)]

    @extend_schema(parameters=[s.PackageQuery], responses=s.PackageOutput(many=True))
    def get(self, request: Request) -> Response:
        query = s.PackageQuery(data=request.query_params.dict())
        if len(request.query_params.getlist("patient")) > 1:
            raise Invalid(_("Give one patient."), fields={"patient": [_("Give one patient.")]})
        query.is_valid(raise_exception=True)
        packages = selectors.package_list(request.user)
        patient_id = query.validated_data.get("patient")
        if can(request.user, Action.BILLING_TAKE):
            if patient_id is None:
                raise Invalid(_("Give the patient."), fields={"patient": [_("Required.")]})
            packages = packages.filter(patient_id=patient_id)
        elif patient_id is not None:
            packages = packages.filter(patient_id=patient_id)
        return Response(s.PackageOutput(packages, many=True).data)

    @extend_schema(request=s.PackageSellInput, responses={201: s.PackageOutput})
    def post(self, request: Request) -> Response:
        _require_desk(request, _("Packages are sold at the desk."))
        data = validated(s.PackageSellInput, request)
        plan = selectors.plan_get(data["plan"]) if _plan_exists(data["plan"]) else None
        if plan is None:
            raise Invalid(_("Unknown package plan."), fields={"plan": [_("Unknown plan.")]})
        package = packages.package_sell(
            actor=actor_of(request),
            patient_id=_patient_id(data["patient"]),
            plan=plan,
            currency_code=data.get("currency"),
        )
        return Response(s.PackageOutput(package).data, status=status.HTTP_201_CREATED)


def _plan_exists(plan_id: int) -> bool:
    from billing.models import PackagePlan

    return PackagePlan.objects.filter(pk=plan_id).exists()


class PackageRedeem(APIView):
    permission_classes = [requires(Action.BILLING_TAKE)]

    @extend_schema(request=s.RedeemInput, responses={201: s.RedemptionOutput})
    def post(self, request: Request, package_id: int) -> Response:
        package = selectors.package_get_for(request.user, package_id)
        data = validated(s.RedeemInput, request)
        appointment = Appointment.objects.filter(pk=data["appointment"]).first()
        if appointment is None:
            raise Invalid(_("No such appointment."), fields={"appointment": [_("Unknown.")]})
        redemption = packages.package_redeem(
            actor=actor_of(request), package=package, appointment=appointment
        )
        return Response(s.RedemptionOutput(redemption).data, status=status.HTTP_201_CREATED)


class PackageRefund(APIView):
    """Unused sessions to the patient's account credit; the package closes."""

    permission_classes = [requires(Action.BILLING_TAKE)]

    @extend_schema(request=s.PackageRefundInput, responses=s.RefundToCredit)
    def post(self, request: Request, package_id: int) -> Response:
        package = selectors.package_get_for(request.user, package_id)
        data = validated(s.PackageRefundInput, request)
        value = packages.package_refund_unused(
            actor=actor_of(request), package=package, reason=data["reason"]
        )
        return Response({"package": package.pk, "credited": f"{value:.2f}"})


class Balance(APIView):
    """What the patient owes (negative: what the clinic owes them) and their credit, from
    the ledger."""

    permission_classes = [requires(Action.BILLING_VIEW)]

    @extend_schema(responses=s.BalanceOutput)
    def get(self, request: Request, patient_id: int) -> Response:
        patient = Patient.objects.filter(pk=patient_id).first()
        if patient is None or not can(request.user, Action.BILLING_VIEW, patient):
            raise Http404
        balance = selectors.balance_of(patient.pk)
        return Response(
            {
                "patient": patient.pk,
                "owed": f"{balance.owed:.2f}",
                "credit": f"{balance.credit:.2f}",
                "currency": currency(),
            }
        )


class Checkout(APIView):
    """After a session, in one call: complete it (if checked in), use a package session,
    issue the invoice, take the payment, queue the emailed receipt."""

    permission_classes = [requires(Action.BILLING_TAKE)]

    @extend_schema(request=s.CheckoutInput, responses={201: s.CheckoutOutput})
    def post(self, request: Request) -> Response:
        data = validated(s.CheckoutInput, request)
        result = checkout_service.checkout(
            actor=actor_of(request),
            appointment_id=data["appointment"],
            method=data.get("method"),
            amount=data.get("amount"),
            package_id=data.get("package"),
            extra_lines=_lines(data.get("lines", [])),
            email_receipt=data["email_receipt"],
            currency_code=data.get("currency"),
        )
        # One output serializer of each kind per process (clinic.api.represent).
        payment, redemption = result.payment, result.redemption
        body = {
            "invoice": represent(s.InvoiceOutput, result.invoice),
            "payment": represent(s.PaymentOutput, payment) if payment else None,
            "redemption": represent(s.RedemptionOutput, redemption) if redemption else None,
            "receipt_queued": result.receipt_queued,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ProviderWebhook(APIView):
    """The payment provider's signed events. A signature that does not verify: 400 and
    nothing recorded. Repeated events change nothing (the payment is settled once)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: s.WebhookOutput, 400: OpenApiResponse(description="Bad signature")},
    )
    def post(self, request: Request, provider_name: str) -> Response:
        from billing.providers import PROVIDERS

        if provider_name not in PROVIDERS or provider_name != provider().name:
            raise Http404
        try:
            event = provider().verify_webhook(request.body, dict(request.headers))
        except BadSignature:
            raise Invalid(
                _("The webhook signature does not verify."),
                code="bad_signature",
                fields={"signature": [_("Does not verify.")]},
            ) from None
        if event.reference is not None:
            payments.payment_settle(
                provider_name=provider_name,
                reference=event.reference,
                succeeded=event.succeeded,
                reason=event.reason,
            )
        return Response({"received": True})
