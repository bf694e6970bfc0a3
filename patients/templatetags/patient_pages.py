"""Template helpers for the patient's pages."""

from django import template

from clinic.roles import Role, has_role

register = template.Library()


@register.filter
def is_patient(user) -> bool:
    """Does this login book for itself (the nav shows Book and My appointments)?"""
    return has_role(user, Role.PATIENT)


@register.filter
def paragraphs(text: str) -> list[str]:
    """Hard-wrapped text (the consent) as paragraphs that the browser wraps itself."""
    return [" ".join(block.split()) for block in str(text).split("\n\n") if block.strip()]
