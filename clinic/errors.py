"""One error type for business rules, one JSON shape for every API error.

Shape (SPEC S7): {"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule said no. Services raise it; the API and pages map it once."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.details = details or {}


class Invalid(DomainError):
    pass


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


def error_body(
    code: str, message: str, fields: dict | None = None, **details: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(details)
    return {"error": body}


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}; non-field errors under '_'."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "_" if key in ("non_field_errors", "__all__") else str(key)
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{name}.{sub}"] = msgs
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):
                    for sub, msgs in _flatten(item).items():
                        out[f"{name}[{i}].{sub}"] = msgs
            else:
                out[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"_": [str(m) for m in detail]}
    return {}


def _validation_message(fields: dict[str, list[str]]) -> str:
    parts = [f"{name}: {msgs[0]}" if name != "_" else msgs[0] for name, msgs in fields.items()]
    return "; ".join(parts) or _("Invalid input.")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, exc.fields, **exc.details)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler answers in the same shape
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body("invalid", _validation_message(fields), fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else _("Request failed.")
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(str(code), message)
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("forbidden", _("Permission denied.")), status=403)
    return render(request, "403.html", status=403)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side.")), status=500
        )
    return render(request, "500.html", status=500)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("bad_request", _("Bad request.")), status=400)
    return render(request, "400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("csrf_failed", _("CSRF check failed: send the CSRF token, or use a token.")),
            status=403,
        )
    return render(request, "403.html", {"reason": reason}, status=403)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Anything else under /api/: a JSON 404 in the shared shape, whatever the method."""
    return handler404(request)
