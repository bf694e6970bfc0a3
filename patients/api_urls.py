from django.urls import path

from patients import api
from patients.api import forms, photos, privacy

urlpatterns = [
    path("patients/", api.PatientListCreate.as_view(), name="patient-list"),
    path("patients/<int:patient_id>/", api.PatientDetail.as_view(), name="patient-detail"),
    path("patients/<int:patient_id>/merge/", api.PatientMerge.as_view(), name="patient-merge"),
    path(
        "patients/<int:patient_id>/export/", privacy.PatientExport.as_view(), name="patient-export"
    ),
    path(
        "patients/<int:patient_id>/erasure/",
        privacy.PatientErasure.as_view(),
        name="patient-erasure",
    ),
    path(
        "patients/<int:patient_id>/screenings/",
        api.ScreeningListCreate.as_view(),
        name="patient-screenings",
    ),
    path(
        "patients/<int:patient_id>/forms/<slug:slug>/responses/",
        forms.FormResponseCreate.as_view(),
        name="patient-form-responses",
    ),
    path(
        "patients/<int:patient_id>/consents/", api.ConsentAccept.as_view(), name="patient-consents"
    ),
    path(
        "patients/<int:patient_id>/consultations/",
        api.ConsultationListCreate.as_view(),
        name="patient-consultations",
    ),
    path(
        "patients/<int:patient_id>/photos/", photos.PatientPhotos.as_view(), name="patient-photos"
    ),
    path("photos/<int:photo_id>/image/", photos.PhotoImage.as_view(), name="photo-image"),
    path(
        "photos/<int:photo_id>/thumbnail/", photos.PhotoThumbnail.as_view(), name="photo-thumbnail"
    ),
    path("consents/<int:consent_id>/pdf/", photos.SignedConsentPdf.as_view(), name="consent-pdf"),
    path(
        "consultations/<int:consultation_id>/",
        api.ConsultationDetail.as_view(),
        name="consultation-detail",
    ),
    path(
        "consultations/<int:consultation_id>/sign/",
        api.ConsultationSign.as_view(),
        name="consultation-sign",
    ),
    path(
        "consultations/<int:consultation_id>/amendments/",
        api.ConsultationAmend.as_view(),
        name="consultation-amend",
    ),
]
