"""Checking a patient's answers against a form version (writes nothing): each question's
type, required flags, and conditions. A question whose condition is not met is not asked,
so it may not be answered either."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from patients.models import Question, QuestionKind

TEXT_MAX = 2000


def _value_error(question: Question, value: Any) -> str | None:
    kind = question.kind
    if kind == QuestionKind.YES_NO and not isinstance(value, bool):
        return _("Answer yes or no.")
    if kind == QuestionKind.CHOICE and value not in question.choices:
        return _("Choose one of the answers offered.")
    if kind == QuestionKind.TEXT and (not isinstance(value, str) or len(value) > TEXT_MAX):
        return _("Write a text of at most %(n)s characters.") % {"n": TEXT_MAX}
    if kind == QuestionKind.NUMBER and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return _("Give a number.")
    if kind == QuestionKind.DATE and not _is_date(value):
        return _("Give a date as YYYY-MM-DD.")
    return None


def _missing(question: Question) -> str:
    if question.kind == QuestionKind.YES_NO:
        return _("Please answer yes or no.")
    return _("This question needs an answer.")


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and len(value) == 10


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _asked(question: Question, answers: Mapping[str, Any]) -> bool:
    if not question.show_if_key:
        return True
    given = answers.get(question.show_if_key)
    return given is not None and str(given).lower() == question.show_if_value.lower()


def answer_errors(questions: list[Question], answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """{question key: [message]} for every answer that cannot be stored; empty when all
    can. `questions` in their order on the form."""
    known = {q.key for q in questions}
    errors = {k: [_("This question is not on the form.")] for k in answers if k not in known}
    for question in questions:
        value = answers.get(question.key)
        if not _asked(question, answers):
            if not _blank(value):
                errors[question.key] = [_("This question is not asked with your answers.")]
        elif _blank(value):
            if question.required:
                errors[question.key] = [_missing(question)]
        elif (message := _value_error(question, value)) is not None:
            errors[question.key] = [message]
    return errors
