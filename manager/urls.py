"""The manager's clinic settings (/manager/). The manager only; other roles get 403."""

from django.urls import path

from manager.views import closures, home, hours, people, prices, resources

app_name = "manager"
urlpatterns = [
    path("", home.home, name="home"),
    path("hours/", hours.opening_hours, name="hours"),
    path("policy/", hours.policy, name="policy"),
    path("closures/", closures.closure_list, name="closures"),
    path("closures/new/", closures.closure_edit, name="closure-new"),
    path("closures/<int:pk>/", closures.closure_edit, name="closure"),
    path("closures/<int:pk>/delete/", closures.closure_remove, name="closure-delete"),
    path("prices/", prices.prices, name="prices"),
    path("prices/<int:pk>/", prices.price_edit, name="price"),
    path("prices/<int:pk>/deposit/", prices.deposit_edit, name="deposit"),
    path("resources/", resources.resources, name="resources"),
    path("rooms/new/", resources.room_edit, name="room-new"),
    path("rooms/<int:pk>/", resources.room_edit, name="room"),
    path("devices/new/", resources.device_edit, name="device-new"),
    path("devices/<int:pk>/", resources.device_edit, name="device"),
    path("devices/<int:pk>/outages/new/", resources.outage_add, name="outage-new"),
    path("outages/<int:pk>/delete/", resources.outage_remove, name="outage-delete"),
    path("practitioners/", people.practitioners, name="practitioners"),
    path("practitioners/new/", people.practitioner_edit, name="practitioner-new"),
    path("practitioners/<int:pk>/", people.practitioner_edit, name="practitioner"),
    path("practitioners/<int:pk>/hours/", people.practitioner_hours, name="practitioner-hours"),
    path("practitioners/<int:pk>/time-off/new/", people.time_off_add, name="time-off-new"),
    path("time-off/<int:pk>/delete/", people.time_off_remove, name="time-off-delete"),
    path("cancel-reasons/", people.cancel_reasons, name="cancel-reasons"),
    path("cancel-reasons/new/", people.cancel_reason_edit, name="cancel-reason-new"),
    path("cancel-reasons/<int:pk>/", people.cancel_reason_edit, name="cancel-reason"),
]
