"""Code points that render as nothing although Unicode files them as letters or marks, so a category check alone
misses them: the default-ignorable code points outside Cf, and the braille blank. Both the address grammar and the
escaping of shown text treat them as hidden."""

from __future__ import annotations

__all__ = ["is_blank"]

_BLANK_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)


def is_blank(code: int) -> bool:
    return any(low <= code <= high for low, high in _BLANK_RANGES)
