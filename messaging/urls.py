from django.urls import path

from messaging import views

app_name = "outbox"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("link/<str:token>/", views.link, name="link"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
