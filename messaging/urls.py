from django.urls import path

from messaging import views

app_name = "outbox"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("link/<str:token>/", views.link, name="link"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("no-follow-ups/<str:token>/", views.no_follow_ups, name="no-follow-ups"),
]
