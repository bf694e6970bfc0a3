"""Courses API: plan (nothing saved), book all or none, progress, re-flow."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import idempotency
from appointments.calendar import calendar_config
from appointments.models import Appointment, Course
from appointments.selectors import course_progress
from appointments.services import course_planning, course_warnings, courses
from clinic.api import IdField, StrictSerializer, actor_of, requires, validated
from clinic.errors import Invalid
from clinic.roles import Action, can
from patients.models import Consultation, Patient


class CoursePlanInput(StrictSerializer):
    patient = IdField()
    treatment = IdField()
    sessions = serializers.IntegerField(min_value=1, max_value=60)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), min_length=1, max_length=7
    )
    time = serializers.TimeField(help_text="Preferred local start time, e.g. 10:00.")
    start_date = serializers.DateField()
    practitioner = IdField(required=False, allow_null=True)


class SessionInput(StrictSerializer):
    start = serializers.DateTimeField()
    practitioner = IdField(required=False, allow_null=True)


class BookCourseInput(CoursePlanInput):
    sessions = SessionInput(many=True, help_text="Every session, usually the accepted plan.")
    consultation = IdField(help_text="The signed consultation that planned it.")
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Book despite the warnings (more sessions a week than the plan says, or two "
        "device sessions of one area on a day); without it they are refused with a 400 "
        "`course_needs_confirmation` listing them under `warnings`.",
    )


class ReflowAcceptInput(StrictSerializer):
    sessions = SessionInput(many=True)


class CourseSlotOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.IntegerField()


class PlannedSessionOutput(CourseSlotOutput):
    index = serializers.IntegerField()


class UnplacedSessionOutput(serializers.Serializer):
    index = serializers.IntegerField()
    wanted = serializers.DateTimeField()
    reason = serializers.CharField()
    alternatives = CourseSlotOutput(many=True)


class CourseWarningOutput(serializers.Serializer):
    code = serializers.ChoiceField(
        [course_warnings.OVER_WEEKLY_PLAN, course_warnings.SAME_AREA_SAME_DAY]
    )
    start = serializers.DateTimeField(help_text="The proposed session it is about.")
    message = serializers.CharField()


class CoursePlanOutput(serializers.Serializer):
    complete = serializers.BooleanField()
    sessions = PlannedSessionOutput(many=True)
    unplaced = UnplacedSessionOutput(many=True)
    warnings = CourseWarningOutput(
        many=True,
        help_text="Cautions about the placed sessions (against the latest signed plan of the "
        "treatment); booking them needs confirm_warnings.",
    )


class ProgressOutput(serializers.Serializer):
    planned = serializers.IntegerField()
    done = serializers.IntegerField()
    missed = serializers.IntegerField()
    booked = serializers.IntegerField()
    remaining = serializers.IntegerField()
    completed = serializers.BooleanField()


class CourseSessionOutput(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = ["id", "start", "end", "status", "practitioner", "room", "device"]


class CourseOutput(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    sessions = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "patient",
            "treatment",
            "consultation",
            "planned_sessions",
            "preferred_weekdays",
            "preferred_time",
            "preferred_practitioner",
            "start_date",
            "status",
            "progress",
            "sessions",
        ]

    @extend_schema_field(ProgressOutput)
    def get_progress(self, course: Course) -> dict:
        return ProgressOutput(course_progress(course)).data

    @extend_schema_field(CourseSessionOutput(many=True))
    def get_sessions(self, course: Course) -> list[dict]:
        return CourseSessionOutput(course.appointments.order_by("start"), many=True).data


def plan_payload(
    plan: course_planning.CoursePlan, warnings: list[course_warnings.CourseWarning] = ()
) -> dict:
    slot = lambda s: {"start": s.start, "end": s.end, "practitioner": s.practitioner}  # noqa: E731
    return CoursePlanOutput(
        {
            "complete": plan.complete,
            "sessions": [{"index": s.index, **slot(s)} for s in plan.sessions],
            "unplaced": [
                {
                    "index": u.index,
                    "wanted": u.wanted,
                    "reason": u.reason,
                    "alternatives": [slot(a) for a in u.alternatives],
                }
                for u in plan.unplaced
            ],
            "warnings": [w.as_dict() for w in warnings],
        }
    ).data


def _inputs(data: dict) -> tuple[Patient, object]:
    config = calendar_config()
    fields = {}
    if data["treatment"] not in config.treatments:
        fields["treatment"] = [_("Unknown treatment %s.") % data["treatment"]]
    if data.get("practitioner") and data["practitioner"] not in config.practitioners:
        fields["practitioner"] = [_("Unknown practitioner %s.") % data["practitioner"]]
    patient = Patient.objects.filter(pk=data["patient"], merged_into__isnull=True).first()
    if patient is None:
        fields["patient"] = [_("Unknown patient %s.") % data["patient"]]
    if fields:
        raise Invalid(_("Check the course request."), fields=fields)
    return patient, config.treatments[data["treatment"]]


class CoursePlanView(APIView):
    """Propose a whole course (nothing is saved): placed sessions, and the ones that could
    not be placed with the nearest alternatives."""

    permission_classes = [requires(Action.COURSE_MANAGE)]

    @extend_schema(request=CoursePlanInput, responses=CoursePlanOutput)
    def post(self, request: Request) -> Response:
        data = validated(CoursePlanInput, request)
        patient, treatment = _inputs(data)
        plan = course_planning.course_plan(
            patient=patient,
            treatment=treatment,
            sessions=data["sessions"],
            weekdays=data["weekdays"],
            time_of_day=data["time"],
            start_date=data["start_date"],
            practitioner_id=data.get("practitioner"),
        )
        warnings = course_warnings.course_warnings(
            patient=patient,
            treatment=treatment,
            per_week=course_warnings.latest_planned_per_week(patient, treatment),
            starts=[s.start for s in plan.sessions],
        )
        return Response(plan_payload(plan, warnings))


class CourseCreate(APIView):
    """Book a whole course in one transaction: every session or none (409 names them)."""

    permission_classes = [requires(Action.COURSE_MANAGE)]

    @extend_schema(request=BookCourseInput, responses={201: CourseOutput})
    def post(self, request: Request) -> Response:
        def book() -> Response:
            data = validated(BookCourseInput, request)
            patient, treatment = _inputs(data)
            consultation = Consultation.objects.filter(pk=data["consultation"]).first()
            if consultation is None:
                raise Invalid(
                    _("Unknown consultation."),
                    fields={"consultation": [_("Unknown consultation.")]},
                )
            course = courses.course_book(
                actor=actor_of(request),
                patient=patient,
                treatment=treatment,
                consultation=consultation,
                choices=[
                    courses.SessionChoice(s["start"], s.get("practitioner"))
                    for s in data["sessions"]
                ],
                weekdays=data["weekdays"],
                time_of_day=data["time"],
                start_date=data["start_date"],
                practitioner_id=data.get("practitioner"),
                confirm_warnings=data["confirm_warnings"],
            )
            return Response(CourseOutput(course).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, book)


def _course_for(request: Request, course_id: int, action: Action) -> Course:
    course = get_object_or_404(Course.objects.select_related("patient", "treatment"), pk=course_id)
    if not can(request.user, action, course.patient):
        raise Http404
    return course


class CourseDetail(APIView):
    """A course with its sessions and progress (staff; the patient their own)."""

    permission_classes = [requires(Action.APPOINTMENT_VIEW)]

    @extend_schema(responses=CourseOutput)
    def get(self, request: Request, course_id: int) -> Response:
        return Response(CourseOutput(_course_for(request, course_id, Action.APPOINTMENT_VIEW)).data)


class CourseReflow(APIView):
    """Propose new times for the remaining sessions after a miss (nothing saved)."""

    permission_classes = [requires(Action.COURSE_MANAGE)]

    @extend_schema(request=None, responses=CoursePlanOutput)
    def post(self, request: Request, course_id: int) -> Response:
        course = _course_for(request, course_id, Action.COURSE_MANAGE)
        return Response(plan_payload(courses.course_reflow(course=course)))


class CourseReflowAccept(APIView):
    """Move the remaining sessions to the accepted times, all at once."""

    permission_classes = [requires(Action.COURSE_MANAGE)]

    @extend_schema(request=ReflowAcceptInput, responses=CourseOutput)
    def post(self, request: Request, course_id: int) -> Response:
        course = _course_for(request, course_id, Action.COURSE_MANAGE)
        data = validated(ReflowAcceptInput, request)
        courses.course_reflow_accept(
            actor=actor_of(request),
            course=course,
            choices=[
                courses.SessionChoice(s["start"], s.get("practitioner")) for s in data["sessions"]
            ],
        )
        return Response(CourseOutput(course).data)
