"""Generated images: a PNG of four coloured quadrants whose colours come from the request digest.

The requested ``size`` (``WIDTHxHEIGHT``) is honoured up to ``MAX_SIDE`` pixels a side; an absent,
``auto`` or unreadable size gives ``DEFAULT_SIZE``. The output is always PNG, whatever
``output_format`` asks for.
"""

from __future__ import annotations

import re

from gateway.providers.mock.ids import derived_bytes
from gateway.providers.mock.png import encode_png

DEFAULT_SIZE = (64, 64)
MAX_SIDE = 2048
_SIZE = re.compile(r"([0-9]{1,5})[xX]([0-9]{1,5})")


def image_size(size: str | None) -> tuple[int, int]:
    found = _SIZE.fullmatch(size or "")
    if found is None:
        return DEFAULT_SIZE
    width, height = (min(max(int(side), 1), MAX_SIDE) for side in found.groups())
    return width, height


def quadrant_png(digest: bytes, index: int, width: int, height: int) -> bytes:
    """The ``index``-th image of a request: four quadrants, each a colour drawn from the digest."""
    colours = derived_bytes(digest, f"image-{index}", 12)
    top_left, top_right, bottom_left, bottom_right = (colours[start : start + 3] for start in range(0, 12, 3))
    left = width // 2
    top_row = top_left * left + top_right * (width - left)
    bottom_row = bottom_left * left + bottom_right * (width - left)
    top = height // 2
    return encode_png(width, height, [top_row] * top + [bottom_row] * (height - top))
