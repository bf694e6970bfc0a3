"""The waitlist at the desk: who waits for an earlier slot, the freed slots offered to
them, and accepting an offer on a patient's behalf (on the phone, say)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import WaitlistOffer
from appointments.services.waitlist import waitlist_offer_accept
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import page_requires
from clinic.roles import Action, can
from desk import selectors as reads


@page_requires(Action.DESK_VIEW)
def waitlist(request: HttpRequest) -> HttpResponse:
    context = {"entries": reads.waitlist_open(), "recent": reads.offers_recent()}
    return render(request, "desk/waitlist.html", context)


@require_POST
@page_requires(Action.DESK_VIEW)
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer = WaitlistOffer.objects.select_related("entry").filter(pk=pk).first()
    if offer is None or not can(request.user, Action.APPOINTMENT_BOOK, offer.entry):
        raise Http404
    try:
        booked = waitlist_offer_accept(actor=Actor.from_request(request), offer=offer)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:waitlist")
    messages.success(request, _("The offered time is booked."))
    return redirect("desk:appointment", pk=booked.pk)
