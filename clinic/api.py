"""Pieces every API module uses: role permissions, strict input, the actor of a request."""

from __future__ import annotations

import functools
import re
from typing import Any

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from clinic.audit import Actor
from clinic.inputs import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    ID_MAX,
    TIME_PATTERN,
    check_date_in_range,
    check_text,
)
from clinic.roles import Action, can_ever


def requires(*actions: Action) -> type[BasePermission]:
    """A DRF permission: 401 when anonymous, 403 when the role can never take the action."""

    class RolePermission(BasePermission):
        message = _("Your role may not do this.")

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated) and all(
                can_ever(request.user, a) for a in actions
            )

    RolePermission.__name__ = "Requires_" + "_".join(a.name for a in actions)
    return RolePermission


def actor_of(request: Request) -> Actor:
    return Actor.from_request(request)


def represent(serializer_class: type[serializers.Serializer], instance: Any) -> dict:
    """`serializer_class(instance).data`, by one instance of it per process.

    DRF builds a serializer's fields anew for every instance it makes (a deep copy of the
    declared ones, each field constructed again). For the booking's answer (bench row W)
    that was 0.55 ms of CPU of the request's 4.5 ms in the worker; one shared instance
    answers in 0.28 ms (measured in-process, 2,000 calls each). Only for output
    serializers whose answer depends on the instance alone: no context, no request, no
    state kept between calls (tests/clinic/test_api_represent.py holds the two equal)."""
    return _shared(serializer_class).to_representation(instance)


@functools.cache
def _shared(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer_class()


class StrictSerializer(serializers.Serializer):
    """Input as the schema describes it, and nothing else.

    - Fields it does not know are refused (400), not silently dropped; the schema says
      `additionalProperties: false` (clinic.schema).
    - JSON types are strict: DRF's fields coerce (0 becomes "0" for a CharField, False for
      a BooleanField, "5" becomes 5 for an IntegerField); here a value of another JSON type
      than the schema's is refused. Query strings are all text: a serializer that reads
      them sets `json_types = False`.
    - Dates, times and date-times must be written as RFC 3339 says (clinic.inputs
      patterns) and lie inside the clinic's window of dates; text holds no control
      characters; integers without a declared maximum stay within a bigint.
    """

    json_types = True

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            guard_field(field)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
            errors = {
                name: [message]
                for name, field in self.fields.items()
                if name in data and not field.read_only
                if (message := raw_value_error(field, data[name], self.json_types))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def guard_field(field: serializers.Field) -> None:
    """The validators every input field of its kind gets (see StrictSerializer)."""
    if isinstance(field, serializers.ListField | serializers.DictField):
        guard_field(field.child)
    elif isinstance(field, serializers.CharField):
        field.validators.append(check_text)
    elif isinstance(field, serializers.DateField | serializers.DateTimeField):
        field.validators.append(check_date_in_range)
    elif isinstance(field, serializers.IntegerField) and field.max_value is None:
        field.validators.append(MaxValueValidator(ID_MAX))


_TEXT_PATTERNS = [
    (
        serializers.DateTimeField,
        re.compile(DATETIME_PATTERN),
        _("Use YYYY-MM-DDThh:mm[:ss][+hh:mm]."),
    ),
    (serializers.DateField, re.compile(DATE_PATTERN), _("Use YYYY-MM-DD.")),
    (serializers.TimeField, re.compile(TIME_PATTERN), _("Use hh:mm or hh:mm:ss.")),
]


def json_types_of(field: serializers.Field) -> tuple[type, ...] | None:
    """The JSON types (as Python parses them) the schema gives the field, if it is a
    scalar; None for containers, which DRF checks itself."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, serializers.DecimalField):
        as_text = getattr(field, "coerce_to_string", None)
        if as_text is None:
            as_text = api_settings.COERCE_DECIMAL_TO_STRING
        return (str,) if as_text else (int, float)
    if isinstance(field, serializers.MultipleChoiceField):
        return None
    if isinstance(field, serializers.ChoiceField):
        kinds = {type(key) for key in field.choices}
        return (int,) if kinds == {int} else (str,)
    text_fields = (
        serializers.CharField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.TimeField,
        serializers.SlugRelatedField,
    )
    return (str,) if isinstance(field, text_fields) else None


def raw_value_error(field: serializers.Field, value: Any, json_types: bool) -> str | None:
    """Why the value as sent does not fit the field's schema, or None (then DRF's own
    parsing and the validators run as usual)."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return next(
            filter(None, (raw_value_error(field.child, v, json_types) for v in value)), None
        )
    if isinstance(field, serializers.DictField) and isinstance(value, dict):
        items = value.values()
        return next(
            filter(None, (raw_value_error(field.child, v, json_types) for v in items)), None
        )
    types = json_types_of(field) if json_types else (str,)
    if types is None:
        return None
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        return _TYPE_MESSAGES.get(types, _("Wrong type."))
    for kind, pattern, message in _TEXT_PATTERNS:
        if isinstance(field, kind) and isinstance(value, str) and not pattern.fullmatch(value):
            return _("Wrong format. %s") % message
    return None


_TYPE_MESSAGES = {
    (bool,): _("Give true or false."),
    (int,): _("Give a whole number."),
    (int, float): _("Give a number."),
    (str,): _("Give a string."),
}


class IdField(serializers.IntegerField):
    """The id of a row: a positive bigint (the schema says minimum 1)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


def validated(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any
) -> dict:
    """The request body checked by `serializer_class`; a ValidationError (400) otherwise.

    A serializer that says `shared = True` checks a JSON object by one instance of it per
    process (as `represent` answers), not a new one: DRF builds every field of a new
    serializer anew, and for the booking's input (bench row W) that was two thirds of its
    checking, 0.13 against 0.04 ms of CPU in-process and about 7 % of the workers' CPU
    under the row's load. Only for a serializer whose checks depend on the data alone: no
    context, no `partial`, no field whose choices are read when it is made
    (tests/clinic/test_api_represent.py holds the two ways equal)."""
    data = request.data
    if getattr(serializer_class, "shared", False) and not kwargs and isinstance(data, dict):
        return dict(_shared(serializer_class).run_validation(data))
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class StrictFilterSet(django_filters.rest_framework.FilterSet):
    """A list's filters as the schema gives them: a parameter sent empty (`?date_to=`) or
    a boolean that is not `true` or `false` (`?requires_device=null`) is a 400 naming it.
    django-filter would read either as "no filter" and answer the whole list."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, spelled in self.data.items():
            wrong = self._wrong_spelling(name, spelled)
            if wrong:
                self.form.add_error(name, wrong)
                valid = False
        return valid

    def _wrong_spelling(self, name: str, value: str) -> str | None:
        found = self.filters.get(name)
        if found is None:
            return None
        if value == "":
            return _("Give a value, or leave the parameter out.")
        if isinstance(found, django_filters.BooleanFilter) and value not in ("true", "false"):
            return _("Give true or false.")
        return None


class IdFilter(django_filters.NumberFilter):
    """A row's id in a query: a whole number, as the schema says (django-filter's
    NumberFilter reads `?patient=0.5` as a decimal and answers an empty list)."""

    field_class = forms.IntegerField


class StrictFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose generated filter sets (`filterset_fields`) are strict."""

    filterset_base = StrictFilterSet
