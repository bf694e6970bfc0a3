"""The feedback survey's signed link and answer (SPEC S11).

The same machinery as the links to confirm or cancel (messaging.links): the survey's id
signed with the secret key and a timestamp (its own salt, so a confirm token is no survey
token), valid MESSAGES_LINK_MAX_AGE_DAYS. The link works once: the first answer is kept,
any later one is refused; a forged, altered or expired link, or a score outside 0..10, is
refused with nothing saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic.errors import Invalid
from clinic.inputs import bad_character
from messaging.links import LinkError
from messaging.models import SURVEY_SCORE_MAX, Survey, SurveyStatus

SALT = "messaging.survey"
COMMENT_MAX = 2000


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def survey_token(survey_id: int) -> str:
    return _signer().sign(str(survey_id))


def survey_url(survey_id: int) -> str:
    path = reverse("outbox:survey", kwargs={"token": survey_token(survey_id)})
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def _invalid() -> LinkError:
    return LinkError(
        _("This link is not valid. Please use the link exactly as it was sent to you."),
        status=400,
        code="invalid",
    )


def _survey_id(token: str) -> int:
    max_age = timedelta(days=settings.MESSAGES_LINK_MAX_AGE_DAYS)
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(_("This link has expired."), status=410, code="expired") from None
    except signing.BadSignature:
        raise _invalid() from None
    if not value.isdigit():
        raise _invalid()
    return int(value)


def _answered() -> LinkError:
    return LinkError(_("This survey was answered already. Thank you!"), status=410, code="used")


def survey_open(token: str, *, lock: bool = False) -> Survey:
    """The survey the link names, if it may still be answered; LinkError otherwise."""
    rows = Survey.objects.select_related("patient", "practitioner", "treatment")
    survey = (
        (rows.select_for_update(of=("self",)) if lock else rows)
        .filter(pk=_survey_id(token), status=SurveyStatus.SENT)
        .first()
    )
    if survey is None:
        raise _invalid()
    if survey.answered_at is not None:
        error = _answered()
        error.language = survey.patient.preferred_language
        raise error
    return survey


def _check_answer(score: object, comment: str) -> tuple[int, str]:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= SURVEY_SCORE_MAX:
        message = _("Choose a score from 0 to 10.")
        raise Invalid(message, code="score_out_of_range", fields={"score": [message]})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        message = _("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX}
        raise Invalid(message, fields={"comment": [message]})
    if bad_character(comment) is not None:
        message = _("Remove the control characters from the comment.")
        raise Invalid(message, fields={"comment": [message]})
    return score, comment


@transaction.atomic(durable=True)
def survey_answer(
    *, token: str, score: object, comment: str = "", now: datetime | None = None
) -> Survey:
    """Keep the patient's answer, once. Nothing is saved if it raises."""
    survey = survey_open(token, lock=True)
    with translation.override(survey.patient.preferred_language):
        score, comment = _check_answer(score, comment)
    survey.score, survey.comment = score, comment
    survey.answered_at = now or timezone.now()
    survey.save(update_fields=["score", "comment", "answered_at"])
    return survey
