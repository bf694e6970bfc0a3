"""Turning an uploaded photo into what the clinic keeps: upright, without EXIF or location,
no larger than PHOTO_MAX_EDGE, re-encoded as JPEG; and its thumbnail.

Everything is checked before anything is stored, so a refused upload leaves no file. Pillow
decodes JPEG and PNG; pillow-heif adds HEIC (iPhone camera pictures).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from clinic.errors import Invalid

register_heif_opener()

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "HEIF"})
JPEG_QUALITY = 88


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int


def _refuse(message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={"image": [message]})


def _open_checked(upload: IO[bytes]) -> Image.Image:
    """Open and decode the upload, refusing what is not a photo or would blow up memory."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse(_("Send a JPEG, PNG or HEIC photo."), "not_an_image")
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise _refuse(_("The picture has too many pixels to be a photo."), "image_bomb")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(_("The picture has too many pixels to be a photo."), "image_bomb") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(_("This file is not a photo we can read."), "not_an_image") from exc
    return image


def _jpeg(image: Image.Image, edge: int) -> Picture:
    image = image.copy()
    image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= argument: the new file carries no EXIF block, so no location or device.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Picture(out.getvalue(), image.width, image.height)


def photo_normalise(upload: IO[bytes], size: int) -> Picture:
    """The photo as the clinic stores it. Raises Invalid (field "image") for a file too
    large, not an image, or an image bomb."""
    limit_mb = settings.PHOTO_MAX_UPLOAD_MB
    if size > limit_mb * 1024 * 1024:
        raise _refuse(_("The photo is larger than %(mb)s MB.") % {"mb": limit_mb}, "too_large")
    if size == 0:
        raise _refuse(_("The file is empty."), "not_an_image")
    image = _open_checked(upload)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    return _jpeg(upright, settings.PHOTO_MAX_EDGE)


def photo_thumbnail(data: bytes) -> Picture:
    with Image.open(io.BytesIO(data)) as image:
        return _jpeg(image, settings.PHOTO_THUMB_EDGE)
