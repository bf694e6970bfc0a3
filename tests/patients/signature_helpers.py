"""Drawn signatures as a canvas sends them: PNG data URLs."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw


def signature_data_url(strokes: int = 3, size=(600, 200), background=(0, 0, 0, 0)) -> str:
    image = Image.new("RGBA", size, background)
    draw = ImageDraw.Draw(image)
    for i in range(strokes):
        draw.line(
            [(40 + i * 60, 150), (90 + i * 60, 40), (130 + i * 60, 140)], fill="black", width=3
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
