"""Rooms, devices and the devices' outages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import Device, DeviceOutage, Room
from appointments.services import configuration as config
from clinic.audit import Actor
from clinic.page_access import page_requires, posted
from clinic.roles import Action
from manager.forms import DeviceForm, OutageForm, RoomForm
from manager.views.pages import form_page


@page_requires(Action.CLINIC_SETTINGS)
def resources(request: HttpRequest) -> HttpResponse:
    context = {
        "rooms": Room.objects.order_by("name"),
        "devices": Device.objects.prefetch_related("outages").order_by("name"),
    }
    return render(request, "manager/resources.html", context)


@page_requires(Action.CLINIC_SETTINGS)
def room_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    room = get_object_or_404(Room, pk=pk) if pk else None
    initial = {"name": room.name, "is_active": room.is_active} if room else None
    form = RoomForm(posted(request), initial=initial)
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: config.room_save(actor=actor, room=room, **data),
        done=reverse("manager:resources"),
        title=_("Room"),
    )


@page_requires(Action.CLINIC_SETTINGS)
def device_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk) if pk else None
    initial = None
    if device:
        fields = ("name", "serial_number", "is_active")
        initial = {f: getattr(device, f) for f in fields}
    form = DeviceForm(posted(request), initial=initial)
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: config.device_save(actor=actor, device=device, **data),
        done=reverse("manager:resources"),
        title=_("Device"),
    )


@page_requires(Action.CLINIC_SETTINGS)
def outage_add(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk)
    form = OutageForm(posted(request))
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: config.outage_add(actor=actor, device=device, **data),
        done=reverse("manager:resources"),
        title=_("%s out of service") % device.name,
    )


@require_POST
@page_requires(Action.CLINIC_SETTINGS)
def outage_remove(request: HttpRequest, pk: int) -> HttpResponse:
    outage = get_object_or_404(DeviceOutage, pk=pk)
    config.outage_delete(actor=Actor.from_request(request), outage=outage)
    messages.success(request, _("The outage is removed."))
    return redirect("manager:resources")
