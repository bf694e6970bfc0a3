"""Template helpers for the patient's pages."""

from django import template

register = template.Library()


@register.filter
def paragraphs(text: str) -> list[str]:
    """Hard-wrapped text (the consent) as paragraphs that the browser wraps itself."""
    return [" ".join(block.split()) for block in str(text).split("\n\n") if block.strip()]
