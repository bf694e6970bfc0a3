"""/photos/: the only way a photo's bytes are served (role and patient checked, audited)."""

from django.urls import path

from patients import photo_pages

app_name = "photos"
urlpatterns = [
    path("<int:pk>/<str:variant>/", photo_pages.photo_file, name="file"),
]
