"""/consents/: a signed consent's frozen PDF (staff, or the patient who signed it)."""

from django.urls import path

from patients import consent_pages

app_name = "consents"
urlpatterns = [
    path("<int:pk>/pdf/", consent_pages.consent_pdf_file, name="pdf"),
]
