"""Small request guards shared by every page and the API."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from clinic.errors import error_body


class RejectNulBytesMiddleware:
    """A NUL character cannot be stored or searched in PostgreSQL: refuse it up front with a
    400 naming the parameter (serializers already refuse it in request bodies)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                message = _("The parameter %(name)r contains a NUL character.") % {"name": name}
                body = error_body("invalid", message, {name: [message]})
                return JsonResponse(body, status=400)
        return self.get_response(request)
