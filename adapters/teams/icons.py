"""Haven's Teams icons, drawn in pure Python (zlib PNG): ``color.png`` 192×192 and
``outline.png`` 32×32 (white on transparent, as Teams requires)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]
TEAL: Pixel = (0x1F, 0x6F, 0x6B, 255)
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG from a pixel function."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _in_h(u: float, v: float) -> bool:
    """A letter H in the unit square centred on (0.5, 0.5)."""
    stems = 0.28 <= v <= 0.72 and (0.30 <= u <= 0.40 or 0.60 <= u <= 0.70)
    bar = 0.46 <= v <= 0.54 and 0.30 <= u <= 0.70
    return stems or bar


def color_icon(size: int = 192) -> bytes:
    """A white disc with a teal H on a teal square."""
    def pixel(x: int, y: int) -> Pixel:
        u, v = (x + 0.5) / size, (y + 0.5) / size
        if (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.36 ** 2:
            return TEAL if _in_h(u, v) else WHITE
        return TEAL

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """A white ring and H on a transparent background."""
    def pixel(x: int, y: int) -> Pixel:
        u, v = (x + 0.5) / size, (y + 0.5) / size
        distance = ((u - 0.5) ** 2 + (v - 0.5) ** 2) ** 0.5
        return WHITE if 0.40 <= distance <= 0.47 or _in_h(u, v) else CLEAR

    return png(size, size, pixel)
