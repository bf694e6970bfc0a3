"""Drawing a signature on the consent page's canvas, as a finger or a mouse does."""

from __future__ import annotations

from playwright.sync_api import Page


def draw_signature(page: Page) -> None:
    """Three strokes across the pad with the mouse (pointer events, as touch sends them)."""
    pad = page.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    strokes = [
        [(0.10, 0.70), (0.18, 0.25), (0.26, 0.72), (0.33, 0.30)],
        [(0.38, 0.65), (0.48, 0.35), (0.58, 0.62), (0.66, 0.40)],
        [(0.70, 0.55), (0.90, 0.50)],
    ]
    for stroke in strokes:
        page.mouse.move(x0 + stroke[0][0] * w, y0 + stroke[0][1] * h)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x0 + fx * w, y0 + fy * h, steps=8)
        page.mouse.up()
