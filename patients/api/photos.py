"""Photos and signed consent PDFs over the API: a patient's photo list, a photo's bytes
and a signed consent's PDF. Read-only; each file served writes an audit row."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import actor_of, requires
from clinic.audit import audit_record
from clinic.roles import Action
from patients.files import clinical_storage
from patients.models import Photo
from patients.photo_selectors import patient_photos, photo_get_for
from patients.selectors import patient_get_for, signed_consent_get_for


class PhotoOutput(serializers.ModelSerializer):
    has_thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "pose", "appointment", "taken_at", "width", "height", "has_thumbnail"]

    def get_has_thumbnail(self, photo: Photo) -> bool:
        return bool(photo.thumb_name)


class PatientPhotos(APIView):
    """The patient's photos (metadata), in session order: the patient's own, or any
    patient's for a dermatologist. The images are at /api/photos/{id}/image/."""

    permission_classes = [requires(Action.PHOTO_VIEW)]

    @extend_schema(responses=PhotoOutput(many=True))
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for(request.user, patient_id, Action.PHOTO_VIEW)
        return Response(PhotoOutput(patient_photos(patient), many=True).data)


def _file(request: Request, name: str, obj, patient_id: int, content_type: str, **detail):
    audit_record(actor_of(request), action="read", obj=obj, patient_id=patient_id, **detail)
    response = FileResponse(clinical_storage().open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


class PhotoImage(APIView):
    """A photo as stored (JPEG, upright, no EXIF), or its thumbnail; audited."""

    permission_classes = [requires(Action.PHOTO_VIEW)]
    variant = "full"

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, "The JPEG")}
    )
    def get(self, request: Request, photo_id: int) -> FileResponse:
        photo = photo_get_for(request.user, photo_id)
        thumb = self.variant == "thumb" and photo.thumb_name
        name = photo.thumb_name if thumb else photo.file_name
        return _file(request, name, photo, photo.patient_id, "image/jpeg", variant=self.variant)


class PhotoThumbnail(PhotoImage):
    """The photo's thumbnail (the photo itself until the worker has made it); audited."""

    variant = "thumb"


class SignedConsentPdf(APIView):
    """A signed consent frozen as a PDF: staff, or the patient who signed it; audited."""

    permission_classes = [requires(Action.CONSENT_PDF_VIEW)]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The PDF")}
    )
    def get(self, request: Request, consent_id: int) -> FileResponse:
        signed = signed_consent_get_for(request.user, consent_id)
        return _file(request, signed.pdf_name, signed, signed.patient_id, "application/pdf")
