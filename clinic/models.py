"""Cross-cutting models: the audit trail of clinical records."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One read or change of a clinical record: who, what, when, from where.

    Append-only and tamper-evident: each row carries the hash of the previous row, so an
    edited or deleted row breaks the chain (see clinic.audit.verify_chain).
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)  # kept if the user is later deleted
    action = models.CharField(max_length=30, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        what = f"{self.object_type}#{self.object_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {what}"


class UserSession(models.Model):
    """Which sessions a user has open, so logging out (or a password change) can end the
    others: Django's session table cannot be searched by user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
