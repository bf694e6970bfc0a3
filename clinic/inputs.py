"""What the clinic accepts as input, in one place: the window of dates, the characters a
text may hold, what a person's name must look like, and how deep a JSON body may nest.

The API (clinic.api, clinic.parsers, clinic.pagination) and the HTML forms (clinic.forms)
both use these, so a value the desk's form refuses is refused by the API as well.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Every date the clinic deals in (a birthday, a booking, a report's range) lies in this
# window. It starts early enough for the oldest patient's birthday and ends far enough
# ahead for any booking horizon, and it keeps every sum the code does with a date (a week
# on, a year back, midnight in the clinic's zone) far from Python's years 1 and 9999,
# where such sums overflow.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATETIME_MIN = datetime.combine(DATE_MIN, time.min, tzinfo=UTC)
DATETIME_MAX = datetime.combine(DATE_MAX, time.max, tzinfo=UTC)

# A JSON body nests at most this deep (the deepest input, a consultation's reviews, is 3).
JSON_MAX_DEPTH = 10

# Page sizes and offsets of every API list (clinic.pagination).
PAGE_SIZE_MAX = 200
OFFSET_MAX = 1_000_000_000

# Ids are PostgreSQL bigints: 1 .. 2**63 - 1.
ID_MAX = 2**63 - 1

# Text may hold a tab and line breaks (a note has paragraphs); no other control
# character (NUL, escape, the C1 range), and no half of a surrogate pair.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
# Characters that turn the direction of the text around them: in a name they make
# "Smith" display as another string than the one stored (U+202A..U+202E, U+2066..U+2069).
BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def bad_character(text: str) -> str | None:
    """The first character a text field may not hold, or None."""
    for char in text:
        if char in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            return char
    return None


def check_text(value: object) -> None:
    """Validator for every text field: no control characters, no lone surrogates."""
    if isinstance(value, str) and (char := bad_character(value)) is not None:
        raise ValidationError(
            _("Remove the control character U+%(code)04X.") % {"code": ord(char)},
            code="control_character",
        )


def check_person_name(value: str) -> None:
    """A name has at least one letter and no characters that reorder what is shown."""
    check_text(value)
    if any(char in BIDI_CONTROLS for char in value):
        raise ValidationError(
            _("Remove the text-direction characters from the name."), code="bidi_control"
        )
    if not any(unicodedata.category(char).startswith("L") for char in value):
        raise ValidationError(_("A name has at least one letter."), code="no_letter")


def check_date_in_range(value: date | datetime | None) -> None:
    """Validator for every date and date-time: inside DATE_MIN .. DATE_MAX."""
    if value is None:
        return
    if isinstance(value, datetime):
        inside = DATETIME_MIN <= value <= DATETIME_MAX if value.tzinfo else True
        day = value.date()
        inside = inside and DATE_MIN <= day <= DATE_MAX
    else:
        inside = DATE_MIN <= value <= DATE_MAX
    if not inside:
        raise ValidationError(
            _("Give a date from %(min)s to %(max)s.")
            % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            code="date_out_of_range",
        )


# The text forms of dates and times the API reads (RFC 3339; a date-time without an offset
# is clinic local time). Python's own parsers accept more (week dates, "20261201", a
# trailing NUL after the seconds): the raw text is checked against these first.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)
