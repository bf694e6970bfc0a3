"""Before/after photos of a course and the patient's photo consent (SPEC S10).

Kept apart from models.py (which imports them) so each module stays readable. The files
themselves live in the private "clinical" storage; rows hold only their storage names.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Pose(models.TextChoices):
    FRONT = "front", _("Front")
    LEFT_45 = "left_45", _("Left 45°")
    RIGHT_45 = "right_45", _("Right 45°")
    LEFT_PROFILE = "left_profile", _("Left profile")
    RIGHT_PROFILE = "right_profile", _("Right profile")


class Photo(models.Model):
    """One photo of a patient at one session, in one pose."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="photos")
    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="photos"
    )
    pose = models.CharField(_("pose"), max_length=20, choices=Pose.choices)
    file_name = models.CharField(max_length=255, unique=True)
    thumb_name = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["patient", "pose", "taken_at"])]
        constraints = [
            models.CheckConstraint(name="photo_pose_known", condition=Q(pose__in=Pose.values)),
            models.CheckConstraint(
                name="photo_positive_size",
                condition=Q(width__gt=0) & Q(height__gt=0) & Q(byte_size__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} of patient {self.patient_id} ({self.pose})"


class PhotoPurpose(models.TextChoices):
    CLINICAL = "clinical", _("My clinical record")
    TEACHING = "teaching", _("Anonymised teaching")
    MARKETING = "marketing", _("Marketing")


NON_CLINICAL = (PhotoPurpose.TEACHING, PhotoPurpose.MARKETING)


class PhotoConsent(models.Model):
    """The patient's yes to one purpose of their photos, until withdrawn. A new yes after a
    withdrawal is a new row, so the history of each purpose stays readable."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="photo_consents"
    )
    purpose = models.CharField(max_length=20, choices=PhotoPurpose.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["granted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="photo_consent_one_active_per_purpose",
            ),
            models.CheckConstraint(
                name="photo_consent_purpose_known", condition=Q(purpose__in=PhotoPurpose.values)
            ),
            models.CheckConstraint(
                name="photo_consent_withdrawn_after_granted",
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("granted_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"Photo consent {self.purpose} of patient {self.patient_id}"
