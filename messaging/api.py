"""Messages API: the staff list of the outbox, and a patient's own reminder channels.

Thin views: input serializer -> service (patients.services.patient_update) -> output.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import IdFilter, StrictFilterSet, StrictSerializer, actor_of, requires, validated
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action
from messaging import follow_ups
from messaging.models import Message, MessageChannel, MessageKind, MessageStatus
from messaging.selectors import message_list
from messaging.sms import sms_enabled
from patients import services as patient_services
from patients.models import Patient
from patients.selectors import own_patient


class MessageFilter(StrictFilterSet):
    patient = IdFilter()
    appointment = IdFilter()
    status = django_filters.MultipleChoiceFilter(choices=MessageStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=MessageKind.choices)
    channel = django_filters.ChoiceFilter(choices=MessageChannel.choices)

    class Meta:
        model = Message
        fields = ["patient", "appointment", "status", "kind", "channel"]


class LinkUseOutput(serializers.Serializer):
    action = serializers.CharField()
    used_at = serializers.DateTimeField()


class MessageOutput(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    link_uses = LinkUseOutput(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "patient",
            "patient_name",
            "appointment",
            "kind",
            "offset_minutes",
            "channel",
            "status",
            "due_at",
            "next_attempt_at",
            "attempts",
            "sent_at",
            "last_error",
            "created_at",
            "link_uses",
        ]


class MessageList(generics.ListAPIView):
    """Every message to patients with its status (reception, manager). `last_error` says
    why one failed or was skipped; `next_attempt_at` when a pending one is tried again."""

    permission_classes = [requires(Action.MESSAGES_VIEW)]
    serializer_class = MessageOutput
    filterset_class = MessageFilter
    queryset = Message.objects.none()  # the schema's model; reads go through the selector

    def get_queryset(self):
        return message_list()


class PreferencesInput(StrictSerializer):
    remind_by_email = serializers.BooleanField(required=False)
    remind_by_sms = serializers.BooleanField(required=False)
    recalls_and_surveys = serializers.BooleanField(
        required=False, help_text="false: no recall after a course and no feedback survey."
    )


class PreferencesOutput(serializers.Serializer):
    remind_by_email = serializers.BooleanField()
    remind_by_sms = serializers.BooleanField()
    reminder_consent_at = serializers.DateTimeField(allow_null=True)
    email = serializers.EmailField()
    phone = serializers.CharField()
    sms_available = serializers.BooleanField()
    recalls_and_surveys = serializers.BooleanField()


def _preferences(patient: Patient) -> dict:
    return {
        "remind_by_email": patient.remind_by_email,
        "remind_by_sms": patient.remind_by_sms,
        "reminder_consent_at": patient.reminder_consent_at,
        "email": patient.email,
        "phone": patient.phone.as_e164 if patient.phone else "",
        "sms_available": sms_enabled(),
        "recalls_and_surveys": follow_ups.follow_ups_allowed(patient),
    }


def _own(request: Request) -> Patient:
    patient = own_patient(request.user)
    if patient is None:
        raise Forbidden(_("Only a patient has message preferences."), code="forbidden")
    return patient


def _check_reachable(patient: Patient, data: dict) -> None:
    missing = {"remind_by_email": patient.email, "remind_by_sms": patient.phone}
    fields = {
        name: [_("Add your %s first.") % (_("email") if name == "remind_by_email" else _("phone"))]
        for name, value in data.items()
        if value and not missing[name]
    }
    if fields:
        raise Invalid(next(iter(fields.values()))[0], fields=fields)


class MessagePreferences(APIView):
    """The patient's own reminder channels, and whether they want recalls and surveys
    (`recalls_and_surveys`). Switching a channel off keeps the record of the consent given
    (reminder_consent_at); messages not yet sent on it are skipped."""

    permission_classes = [requires(Action.MESSAGE_PREFERENCES)]

    @extend_schema(responses=PreferencesOutput)
    def get(self, request: Request) -> Response:
        return Response(PreferencesOutput(_preferences(_own(request))).data)

    @extend_schema(request=PreferencesInput, responses=PreferencesOutput)
    def patch(self, request: Request) -> Response:
        patient = _own(request)
        data = validated(PreferencesInput, request)
        follow_ups_allowed = data.pop("recalls_and_surveys", None)
        _check_reachable(patient, data)
        if data or follow_ups_allowed is None:
            patient = patient_services.patient_update(
                actor=actor_of(request), patient=patient, **data
            )
        if follow_ups_allowed is not None:
            follow_ups.follow_ups_allow(patient=patient, allowed=follow_ups_allowed)
        return Response(PreferencesOutput(_preferences(patient)).data)
