"""The HTML alternative of an email: the same words as its text part, in the clinic's
colours, with links a reader can tap; no images, so it reads the same with them off.

Built from the text part (one paragraph per blank-line block, the footer after "--") so
the two never say different things. Styles are inline: mail clients drop <style> blocks
and never load the site's stylesheet.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

FOOTER_SEPARATOR = "\n--\n"


def html_alternative(text: str, *, subject: str, language: str) -> str:
    body, _sep, footer = text.partition(FOOTER_SEPARATOR)
    paragraphs = [block.strip("\n") for block in body.split("\n\n") if block.strip()]
    context = {
        "subject": subject,
        "language": language,
        "clinic": settings.CLINIC_NAME,
        "paragraphs": paragraphs,
        "footer": [line for line in footer.splitlines() if line.strip()],
    }
    return render_to_string("emails/layout.html", context)
