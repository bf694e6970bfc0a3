"""OpenAPI schema additions: every operation documents the shared error shape for the
errors it can answer, so clients (and schemathesis) know what to expect."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme

from clinic.inputs import TIME_PATTERN


class ClinicTokenScheme(KnoxTokenScheme):
    """`Authorization: Token <token>` (clinic.authentication.TokenAuthentication: knox's)."""

    target_class = "clinic.authentication.TokenAuthentication"
    name = "tokenAuth"


class ClinicSessionScheme(SessionScheme):
    """The pages' session cookie (clinic.authentication.SessionAuthentication)."""

    target_class = "clinic.authentication.SessionAuthentication"


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "additionalProperties": True,  # e.g. "taken", "reasons", "candidates"
        }
    },
}
ERRORS = {
    "400": "Invalid input: the fields say which",
    "401": "Not authenticated",
    "403": "Not allowed for this role, or a clinical rule refuses it",
    "404": "Not found, or not yours",
    "405": "Method not allowed",
    "409": "Conflict: taken meanwhile, or a duplicate",
    "415": "Unsupported media type",
    "422": "The Idempotency-Key was used with another request",
    "429": "Too many requests",
}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result


def close_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every request body (and the objects nested in
    one) refuses properties it does not list, as clinic.api.StrictSerializer does at run
    time. With COMPONENT_SPLIT_REQUEST, request components are the ones named *Request."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and "properties" in schema:
            schema["additionalProperties"] = False
    return result


def time_as_pattern(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: OpenAPI's `format: time` is RFC 3339's
    full-time, which needs a zone offset ("10:00:00+02:00"); the clinic's times are local
    wall-clock times ("10:00"), so the schema gives their pattern instead."""
    _replace_time_format(result)
    return result


def _replace_time_format(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_PATTERN
        for value in node.values():
            _replace_time_format(value)
    elif isinstance(node, list):
        for value in node:
            _replace_time_format(value)
