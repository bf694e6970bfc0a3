"""The API's JSON parser: DRF's, with limits checked before the body is trusted.

Python's json module recurses once per level: a body nested a thousand levels deep raised
RecursionError (a 500). The nesting is counted on the raw text first, without recursion.
Then every key and string is checked for characters PostgreSQL cannot store or that no
input needs (NUL, other control characters, lone surrogates such as "\\ud800"): a key
like that reached the database through the Idempotency-Key record and failed there.
The 400 names where in the body the character was.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from clinic.inputs import JSON_MAX_DEPTH, bad_character

# A JSON string (with its escapes), or one bracket: strings are skipped so that a bracket
# inside one is not counted.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def check_depth(text: str, limit: int = JSON_MAX_DEPTH) -> None:
    depth = 0
    for match in _TOKENS.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            if depth > limit:
                raise ParseError(_("JSON nested deeper than %s levels.") % limit)
        elif first in "]}":
            depth -= 1


def check_strings(value: Any, path: str = "") -> None:
    """Every key and string of a parsed body; the error names the first bad one's place."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if bad_character(key) is not None:
                name = path or "_"
                raise ValidationError({name: [_("A key holds a control character.")]})
            check_strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_strings(item, f"{path}[{index}]")
    elif isinstance(value, str) and (char := bad_character(value)) is not None:
        message = _("Remove the control character U+%04X.") % ord(char)
        raise ValidationError({path or "_": [message]})


class CheckedJSONParser(JSONParser):
    """JSONParser plus the depth and character checks above."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(_("The body is not valid %s.") % encoding) from exc
        check_depth(text)
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %s") % exc) from exc
        check_strings(data)
        return data


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON (DRF's STRICT_JSON refuses them the same way).
    raise ValueError(f"{name} is not valid JSON")
