"""The HTML alternative of an email: the same words as its text part, in the clinic's
colours, with links a reader can tap; no images, so it reads the same with them off.

Built from the text part (one paragraph per blank-line block, the footer after "--") so
the two never say different things. Styles are inline: mail clients drop <style> blocks
and never load the site's stylesheet.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.template.defaultfilters import linebreaksbr, urlize
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

FOOTER_SEPARATOR = "\n--\n"


@lru_cache(maxsize=4096)
def linked(text: str, *, breaks: bool = True) -> SafeString:
    """The text escaped, its links tappable and (with `breaks`) its line breaks kept: the
    template filters `urlize|linebreaksbr`, remembered per text. Most paragraphs repeat
    from one message to the next (the address and map, the visit's preparation, the
    footer) and Django's urlize costs about 40 µs a paragraph: before this, a fifth of the
    worker's time in row M of the benchmark went into it."""
    found = urlize(text, autoescape=True)
    return linebreaksbr(found, autoescape=True) if breaks else found


def html_alternative(text: str, *, subject: str, language: str) -> str:
    body, _sep, footer = text.partition(FOOTER_SEPARATOR)
    paragraphs = [block.strip("\n") for block in body.split("\n\n") if block.strip()]
    context = {
        "subject": subject,
        "language": language,
        "clinic": settings.CLINIC_NAME,
        "paragraphs": [linked(p) for p in paragraphs],
        "footer": [linked(line, breaks=False) for line in footer.splitlines() if line.strip()],
    }
    return render_to_string("emails/layout.html", context)
