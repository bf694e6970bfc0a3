from django.urls import path

from patients import views

app_name = "patients"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("questionnaire/", views.questionnaire, name="questionnaire"),
    path("consent/", views.consent, name="consent"),
    path("photos/", views.my_photos, name="photos"),
]
