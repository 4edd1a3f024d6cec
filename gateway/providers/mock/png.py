"""A minimal PNG encoder (8-bit RGB, no filtering), enough for the mock's generated images.

Pure Python with zlib: the mock must not pull in an imaging library to hand out a valid picture.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_RGB = 2
_BIT_DEPTH = 8


def encode_png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """A PNG of ``height`` rows, each ``width`` RGB pixels (3 bytes a pixel)."""
    if len(rows) != height or any(len(row) != width * 3 for row in rows):
        raise ValueError(f"expected {height} rows of {width * 3} bytes")
    header = struct.pack(">IIBBBBB", width, height, _BIT_DEPTH, _RGB, 0, 0, 0)
    pixels = b"".join(b"\x00" + row for row in rows)  # filter type 0 (none) before each row
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(pixels)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
