from django.urls import path

from patients import form_pages, views

app_name = "patients"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("questionnaire/", views.questionnaire, name="questionnaire"),
    path("consent/", views.consent, name="consent"),
    path("photos/", views.my_photos, name="photos"),
    path("forms/<slug:slug>/", form_pages.answer_form, name="form"),
]
