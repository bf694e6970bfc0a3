"""Catalog reads shared by pages and the API."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from treatments.models import Contraindication, Indication, Treatment


def treatment_list() -> QuerySet[Treatment]:
    return Treatment.objects.filter(is_active=True).prefetch_related(
        Prefetch("indications", queryset=Indication.objects.order_by("source", "id"))
    )


def treatment_get(*, slug: str) -> Treatment:
    return get_object_or_404(treatment_list(), slug=slug)


def consultation_treatment() -> Treatment | None:
    """The consultation a patient books first (offered when a treatment is not yet allowed)."""
    return Treatment.objects.filter(is_active=True, is_consultation=True).first()


def contraindication_list() -> QuerySet[Contraindication]:
    return Contraindication.objects.all()


def contraindications_for(
    treatment: Treatment, all_items: list[Contraindication]
) -> list[Contraindication]:
    """Every contraindication applies to every microcurrent treatment; none to a
    consultation (that is where they are checked)."""
    return list(all_items) if treatment.requires_device else []
