"""The manager's clinic settings (/manager/). The manager only; other roles get 403."""

from django.urls import path

from manager.views import closures, home

app_name = "manager"
urlpatterns = [
    path("", home.home, name="home"),
    path("closures/", closures.closure_list, name="closures"),
    path("closures/new/", closures.closure_edit, name="closure-new"),
    path("closures/<int:pk>/", closures.closure_edit, name="closure"),
    path("closures/<int:pk>/delete/", closures.closure_remove, name="closure-delete"),
]
