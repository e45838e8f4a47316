"""Plain-text tables for the terminal: columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence


def cut(text: str, width: int) -> str:
    """``text`` shortened to ``width`` characters, ending in '…' when it was longer."""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> list[str]:
    """One line per row (the first row is the header); ``right[i]`` right-aligns column i (numbers)."""
    if not rows:
        return []
    columns = len(rows[0])
    widths = [max(len(row[i]) for row in rows) for i in range(columns)]
    aligns = right or [False] * columns
    return [
        "  ".join(
            cell.rjust(width) if align else cell.ljust(width)
            for cell, width, align in zip(row, widths, aligns, strict=True)
        ).rstrip()
        for row in rows
    ]
