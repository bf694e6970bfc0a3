"""Waitlist API: ask for an earlier slot; see and accept offers."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api.serializers import AppointmentOutput
from appointments.calendar import calendar_config
from appointments.models import WaitlistEntry, WaitlistOffer
from appointments.services import waitlist
from clinic.api import IdField, StrictSerializer, actor_of, requires, validated
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action, can, is_staff_member, patient_id_of
from patients.models import Patient


class JoinInput(StrictSerializer):
    treatment = IdField()
    earliest = serializers.DateField()
    latest = serializers.DateField()
    time_from = serializers.TimeField(
        required=False, allow_null=True, help_text="Earliest start, clinic time (with time_to)."
    )
    time_to = serializers.TimeField(
        required=False, allow_null=True, help_text="Latest end, clinic time (with time_from)."
    )
    practitioner = IdField(required=False, allow_null=True)
    patient = IdField(
        required=False,
        help_text="Staff: whom the entry is for (required). A patient leaves it out or gives "
        "their own id; another patient's id is refused with 403.",
    )


class OfferOutput(serializers.ModelSerializer):
    class Meta:
        model = WaitlistOffer
        fields = ["id", "start", "practitioner", "expires_at", "status"]


class EntryOutput(serializers.ModelSerializer):
    offers = OfferOutput(many=True, read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "patient",
            "treatment",
            "practitioner",
            "earliest",
            "latest",
            "time_from",
            "time_to",
            "status",
            "created_at",
            "offers",
        ]


def _patient(request: Request, patient_id: int | None) -> Patient:
    """Staff name the patient; a patient joins only for themselves, and naming someone
    else is refused rather than quietly replaced by their own id."""
    own = patient_id_of(request.user)
    if not is_staff_member(request.user) and patient_id is not None and patient_id != own:
        raise Forbidden(
            _("Patients join the waitlist only for themselves."),
            fields={"patient": [_("Not your patient record.")]},
        )
    pid = patient_id if is_staff_member(request.user) else own
    patient = Patient.objects.filter(pk=pid, merged_into__isnull=True).first() if pid else None
    if patient is None:
        raise Invalid(_("Unknown patient."), fields={"patient": [_("Give the patient.")]})
    return patient


class WaitlistView(APIView):
    """The caller's waitlist entries (staff: everyone's) and joining the waitlist."""

    permission_classes = [requires(Action.APPOINTMENT_BOOK)]

    @extend_schema(responses=EntryOutput(many=True))
    def get(self, request: Request) -> Response:
        entries = WaitlistEntry.objects.prefetch_related("offers").order_by("created_at")
        if not is_staff_member(request.user):
            entries = entries.filter(patient_id=patient_id_of(request.user))
        return Response(EntryOutput(entries[:200], many=True).data)

    @extend_schema(request=JoinInput, responses={201: EntryOutput})
    def post(self, request: Request) -> Response:
        data = validated(JoinInput, request)
        treatment = calendar_config().treatments.get(data["treatment"])
        if treatment is None:
            raise Invalid("Unknown treatment.", fields={"treatment": ["Unknown treatment."]})
        entry = waitlist.waitlist_join(
            actor=actor_of(request),
            patient=_patient(request, data.get("patient")),
            treatment=treatment,
            earliest=data["earliest"],
            latest=data["latest"],
            practitioner_id=data.get("practitioner"),
            time_from=data.get("time_from"),
            time_to=data.get("time_to"),
        )
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class OfferAccept(APIView):
    """Accept an offered slot before it expires: it is booked if still free."""

    permission_classes = [requires(Action.APPOINTMENT_BOOK)]

    @extend_schema(request=None, responses={201: AppointmentOutput})
    def post(self, request: Request, offer_id: int) -> Response:
        offer = WaitlistOffer.objects.select_related("entry").filter(pk=offer_id).first()
        if offer is None or not can(request.user, Action.APPOINTMENT_BOOK, offer.entry):
            raise Http404
        appointment = waitlist.waitlist_offer_accept(actor=actor_of(request), offer=offer)
        return Response(AppointmentOutput(appointment).data, status=status.HTTP_201_CREATED)
