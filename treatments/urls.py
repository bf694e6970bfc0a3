from django.urls import path

from treatments import views

app_name = "treatments"
urlpatterns = [
    path("", views.home, name="home"),
    path("treatments/<slug:slug>/", views.treatment_detail, name="detail"),
]
