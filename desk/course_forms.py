"""The desk's course wizard: what to plan (from a signed consultation's treatment plan),
then the review of every proposed session, where any time can be changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from appointments.calendar import calendar_config, zone
from appointments.models import Weekday
from appointments.proposals import slot_value
from appointments.services.course_planning import CoursePlan
from appointments.services.course_warnings import CourseWarning
from appointments.services.courses import SessionChoice
from clinic.forms import CheckedForm
from desk.forms import SlotField, practitioner_choices
from patients.forms import DateInput
from patients.models import TreatmentPlan

# Weekdays proposed for a number of sessions a week (Monday is 0): spread out, so the
# days between sessions suit every course in the catalog.
SPREAD = {1: [1], 2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TreatmentPlan) -> str:
        return _("%(t)s: %(n)s sessions, %(w)s a week (consultation of %(d)s)") % {
            "t": _(obj.treatment.name),
            "n": obj.sessions,
            "w": obj.sessions_per_week,
            "d": formats.date_format(obj.consultation.performed_on),
        }


class CoursePlanForm(CheckedForm):
    plan = PlanChoiceField(label=_("Treatment plan"), queryset=TreatmentPlan.objects.none())
    sessions = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=60)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Preferred weekdays"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    time = forms.TimeField(
        label=_("Preferred time"), widget=forms.TimeInput({"type": "time"}, format="%H:%M")
    )
    start_date = forms.DateField(label=_("First day"), widget=DateInput)
    practitioner = practitioner_choices(_("Preferred practitioner"))

    def __init__(self, *args: Any, plans: Any, **kwargs: Any) -> None:
        first = plans.first()
        if first is not None:
            kwargs.setdefault("initial", {}).update(
                plan=first.pk,
                sessions=first.sessions,
                weekdays=SPREAD.get(first.sessions_per_week, [0, 1, 2, 3, 4, 5]),
                time=time(10),
                start_date=timezone.localdate() + timedelta(days=1),
            )
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans

    def clean_start_date(self) -> date:
        day = self.cleaned_data["start_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def plan_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "treatment": data["plan"].treatment,
            "sessions": data["sessions"],
            "weekdays": data["weekdays"],
            "time_of_day": data["time"],
            "start_date": data["start_date"],
            "practitioner_id": data["practitioner"].pk if data["practitioner"] else None,
        }


def slot_label(start: datetime, practitioner: int | None) -> str:
    when = formats.date_format(start.astimezone(zone()), "D j M Y, H:i")
    name = calendar_config().names["practitioner"].get(practitioner or 0)
    return f"{when} · {name}" if name else when


@dataclass
class ReviewRow:
    index: int
    options: list[tuple[str, str]]
    initial: str
    reason: str = ""  # why the planner could not place it at the preferred time
    warnings: list[str] = field(default_factory=list)


def review_rows(proposal: CoursePlan, warnings: list[CourseWarning] = ()) -> list[ReviewRow]:
    rows = _rows(proposal)
    by_start = {s.start: s.index for s in proposal.sessions}
    for w in warnings:
        if w.start in by_start:
            rows[by_start[w.start]].warnings.append(w.message)
    return rows


def _rows(proposal: CoursePlan) -> list[ReviewRow]:
    placed = {s.index: s for s in proposal.sessions}
    unplaced = {u.index: u for u in proposal.unplaced}
    rows = []
    for i in sorted(placed | unplaced):
        if i in placed:
            s = placed[i]
            value = slot_value(s.start, s.practitioner)
            rows.append(ReviewRow(i, [(value, slot_label(s.start, s.practitioner))], value))
        else:
            u = unplaced[i]
            options = [
                (slot_value(a.start, a.practitioner), slot_label(a.start, a.practitioner))
                for a in u.alternatives
            ]
            rows.append(ReviewRow(i, options, "", f"{slot_label(u.wanted, None)}: {u.reason}"))
    return rows


class SlotChoiceField(forms.ChoiceField):
    """A proposed time (or an alternative). Any well-formed slot is accepted: the options
    are what the planner saw, the booking service has the last word."""

    def to_python(self, value: Any) -> tuple[datetime, int | None] | None:
        return SlotField(required=False).clean(value)

    def valid_value(self, value: Any) -> bool:
        return True


class CourseReviewForm(CheckedForm):
    def __init__(self, *args: Any, rows: list[ReviewRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n, row in enumerate(rows, start=1):
            empty = [("", _("Choose a time"))]
            self.fields[f"session_{n}"] = SlotChoiceField(
                label=_("Session %(n)s") % {"n": n},
                choices=empty + row.options,
                required=False,
                initial=row.initial,
            )
            self.fields[f"other_{n}"] = forms.DateTimeField(
                label=_("or another time"),
                required=False,
                widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            )
        self.fields["confirm_warnings"] = forms.BooleanField(
            label=_("Book anyway, despite the warnings (the dermatologist agrees)"),
            required=False,
        )

    @property
    def has_warnings(self) -> bool:
        return any(row.warnings for row in self.rows) or bool(self["confirm_warnings"].errors)

    def show_warnings(self, warnings: list[dict[str, str]], rows_by_start: dict[str, int]) -> None:
        """The service's warnings (as in its error) beside the sessions they are about."""
        for row in self.rows:
            row.warnings = []
        for w in warnings:
            n = rows_by_start.get(w["start"])
            if n is not None:
                self.rows[n - 1].warnings.append(w["message"])

    def bound_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "reason": row.reason,
                "warnings": row.warnings,
                "choice": self[f"session_{n}"],
                "other": self[f"other_{n}"],
            }
            for n, row in enumerate(self.rows, start=1)
        ]

    def add_options(self, n: int, options: list[tuple[str, str]]) -> None:
        field = self.fields[f"session_{n}"]
        known = {value for value, _label in field.choices}
        field.choices = list(field.choices) + [o for o in options if o[0] not in known]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for n in range(1, len(self.rows) + 1):
            if not data.get(f"other_{n}") and not data.get(f"session_{n}"):
                self.add_error(f"session_{n}", _("Choose a time for this session."))
        return data

    def choices(self, practitioner_id: int | None) -> list[tuple[int, SessionChoice]]:
        """(row number, choice) for every session: another time typed in wins."""
        out = []
        for n in range(1, len(self.rows) + 1):
            other = self.cleaned_data.get(f"other_{n}")
            if other is not None:
                out.append((n, SessionChoice(other.astimezone(zone()), practitioner_id)))
            else:
                start, pid = self.cleaned_data[f"session_{n}"]
                out.append((n, SessionChoice(start, pid)))
        return out
