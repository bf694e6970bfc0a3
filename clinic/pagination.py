"""Pagination of every API list: limit and offset, checked and bounded.

DRF's LimitOffsetPagination reads a limit or offset it cannot parse as the default, and
passes any large number on to the database: `?limit=100000000000000000000` failed there
with "bigint out of range" (a 500), and `?offset=null` quietly meant 0. Here a bad value
is a 400 naming the parameter, and the schema gives the bounds.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from clinic.inputs import OFFSET_MAX, PAGE_SIZE_MAX

_DIGITS = re.compile(r"[0-9]{1,12}")


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = PAGE_SIZE_MAX
    max_offset = OFFSET_MAX

    def get_limit(self, request: Request) -> int:
        limit = self._number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        offset = self._number(request, self.offset_query_param, 0, self.max_offset)
        return offset or 0

    @staticmethod
    def _number(request: Request, name: str, low: int, high: int) -> int | None:
        if name not in request.query_params:
            return None
        given = request.query_params.getlist(name)
        # `?limit=3&limit=x` read as its last value would hide the bad one: one value only.
        text = given[0] if len(given) == 1 else ""
        value = int(text) if _DIGITS.fullmatch(text) else None
        if value is None or not low <= value <= high:
            raise ValidationError(
                {
                    name: [
                        _("Give a whole number from %(low)s to %(high)s.")
                        % {"low": low, "high": high}
                    ]
                }
            )
        return value

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0, "maximum": self.max_offset},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
