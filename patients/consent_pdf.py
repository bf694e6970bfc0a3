"""A signed consent, frozen: the drawn signature checked and the PDF made (WeasyPrint)
with the text version, the name, the signature, the time, the IP and the browser."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from datetime import datetime

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from clinic.errors import Invalid

PNG_DATA_URL = "data:image/png;base64,"
MAX_SIGNATURE_CHARS = 2_000_000  # a full-screen canvas drawing is far smaller
MAX_SIGNATURE_EDGE = 4000
MIN_INK_PIXELS = 20  # a tap or a stray dot is not a signature


def _empty() -> Invalid:
    message = _("Please sign in the box: the signature is empty.")
    return Invalid(message, code="empty_signature", fields={"signature": [message]})


def _unreadable() -> Invalid:
    message = _("The signature could not be read; please sign again.")
    return Invalid(message, code="bad_signature", fields={"signature": [message]})


def signature_png(data_url: str) -> bytes:
    """The PNG of a drawn signature (a canvas's data URL), refused when empty or odd."""
    if not data_url or not data_url.strip():
        raise _empty()
    if not data_url.startswith(PNG_DATA_URL) or len(data_url) > MAX_SIGNATURE_CHARS:
        raise _unreadable()
    try:
        png = base64.b64decode(data_url.removeprefix(PNG_DATA_URL), validate=True)
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIGNATURE_EDGE:
                raise _unreadable()
            ink = _ink_pixels(image)
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError) as exc:
        raise _unreadable() from exc
    if ink < MIN_INK_PIXELS:
        raise _empty()
    return png


def _ink_pixels(image: Image.Image) -> int:
    """How many pixels were drawn on: opaque ones on a transparent canvas, dark ones on
    an opaque one."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] < 255:  # transparent background
        return sum(alpha.point(lambda v: 255 if v > 32 else 0).histogram()[255:])
    grey = rgba.convert("L")
    return sum(grey.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


@dataclass(frozen=True)
class SignedFacts:
    name: str
    version: int
    body: str
    signed_at: datetime
    ip: str | None
    user_agent: str


def consent_pdf(facts: SignedFacts, png: bytes) -> bytes:
    # Imported here: WeasyPrint parses its stylesheets (and logs it) on import, which every
    # web and worker process would otherwise pay at start-up for a page few requests need.
    from weasyprint import CSS, HTML

    context = {
        "facts": facts,
        "signed_at": timezone.localtime(facts.signed_at),
        "signature_src": PNG_DATA_URL + base64.b64encode(png).decode("ascii"),
    }
    html = render_to_string("patients/consent_pdf.html", context)
    stylesheet = CSS(filename=finders.find("css/consent_pdf.css"))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet])
