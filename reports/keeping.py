"""Keeping patients, for the manager (SPEC S11): the rebooking rate and the feedback
surveys, per practitioner and treatment. Two aggregate queries and one for the comments.

Rebooking: a session completed in the period counts as rebooked when the patient, at the
session's end or within REBOOK_WITHIN_DAYS after it, holds another booking (any treatment,
not cancelled) that starts after the session: booked at the desk's checkout, online in
the days after, or already booked as the next session of a course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from appointments.calendar import CalendarConfig
from appointments.models import INACTIVE_STATUSES, Appointment, Status
from messaging.models import Survey, SurveyStatus

REBOOK_WITHIN_DAYS = 7
COMMENTS_SHOWN = 100


@dataclass(frozen=True)
class RebookingRow:
    practitioner: str
    treatment: str
    completed: int
    rebooked: int

    @property
    def percent(self) -> float:
        return round(100 * self.rebooked / self.completed, 1) if self.completed else 0.0


@dataclass(frozen=True)
class SurveyRow:
    practitioner: str
    treatment: str
    sent: int
    answered: int
    average: float | None
    promoters: int  # 9 or 10
    detractors: int  # 0 to 6

    @property
    def nps(self) -> int | None:
        """Net promoter score, -100..100: promoters minus detractors, in % of answers."""
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered)


@dataclass(frozen=True)
class SurveyComment:
    answered_at: datetime
    practitioner: str
    treatment: str
    score: int
    comment: str


def _names(config: CalendarConfig, practitioner_id: int, treatment_id: int) -> tuple[str, str]:
    return (
        config.names["practitioner"].get(practitioner_id, "?"),
        _(config.names["treatment"].get(treatment_id, "?")),
    )


def rebooking(config: CalendarConfig, lo: datetime, hi: datetime) -> list[RebookingRow]:
    later = (
        Appointment.objects.filter(
            patient_id=OuterRef("patient_id"),
            start__gt=OuterRef("start"),
            created_at__lte=OuterRef("end") + timedelta(days=REBOOK_WITHIN_DAYS),
        )
        .exclude(status__in=(*INACTIVE_STATUSES, Status.HELD))
        .exclude(pk=OuterRef("pk"))
    )
    rows = (
        Appointment.objects.filter(status=Status.COMPLETED, start__gte=lo, start__lt=hi)
        .annotate(has_next=Exists(later))
        .values("practitioner_id", "treatment_id")
        .annotate(n=Count("id"), rebooked=Count("id", filter=Q(has_next=True)))
        .order_by()
    )
    found = [
        RebookingRow(
            *_names(config, r["practitioner_id"], r["treatment_id"]), r["n"], r["rebooked"]
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: (r.practitioner, r.treatment))


def surveys(config: CalendarConfig, lo: datetime, hi: datetime) -> list[SurveyRow]:
    """Surveys sent in the period and the answers they got (whenever answered)."""
    answered = Q(answered_at__isnull=False)
    rows = (
        Survey.objects.filter(status=SurveyStatus.SENT, created_at__gte=lo, created_at__lt=hi)
        .values("practitioner_id", "treatment_id")
        .annotate(
            sent=Count("id"),
            answered=Count("id", filter=answered),
            average=Avg("score"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by()
    )
    found = [
        SurveyRow(
            *_names(config, r["practitioner_id"], r["treatment_id"]),
            sent=r["sent"],
            answered=r["answered"],
            average=round(r["average"], 1) if r["average"] is not None else None,
            promoters=r["promoters"],
            detractors=r["detractors"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: (r.practitioner, r.treatment))


def survey_comments(config: CalendarConfig, lo: datetime, hi: datetime) -> list[SurveyComment]:
    """The newest comments of answers given in the period, without the patient's name:
    for the manager only (the reports page), never in the CSV."""
    rows = (
        Survey.objects.filter(answered_at__gte=lo, answered_at__lt=hi)
        .exclude(comment="")
        .order_by("-answered_at", "-id")
        .values_list("answered_at", "practitioner_id", "treatment_id", "score", "comment")
    )
    return [
        SurveyComment(at, *_names(config, p, t), score, comment)
        for at, p, t, score, comment in rows[:COMMENTS_SHOWN]
    ]
