from django.urls import path

from messaging import api

urlpatterns = [
    path("messages/", api.MessageList.as_view(), name="message-list"),
    path(
        "messages/preferences/",
        api.MessagePreferences.as_view(),
        name="message-preferences",
    ),
]
