"""Why appointments are cancelled: a list the manager edits, so reports can count them."""

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Reasons the code relies on: a staff note given without a reason is "other"; a patient's
# own cancel (their page, a message link) is "by_patient". Seeded by migration 0009.
OTHER = "other"
BY_PATIENT = "by_patient"


class CancelReason(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_en = models.CharField(_("label in English"), max_length=100)
    label_uk = models.CharField(_("label in Ukrainian"), max_length=100, blank=True)
    needs_note = models.BooleanField(
        _("needs a note"), default=False, help_text=_("Staff must say what happened.")
    )
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("cancel reason")
        constraints = [
            models.CheckConstraint(name="cancel_reason_has_label", condition=~Q(label_en=""))
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The label in the reader's language (English when none is given)."""
        if translation.get_language() == "uk" and self.label_uk:
            return self.label_uk
        return self.label_en
