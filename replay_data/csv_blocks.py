"""Numbers to CSV text a block of rows at a time, for the exports of `replay-data`.

A whole-course trends export is 1.4 million cells; formatting them one by one with an
f-string per cell took four times as long as computing them. Here each row is one
`%`-format of a row template (the C formatter does the cells), the blanks of missing
values are cut out of the block's text afterwards, and the text is written a block at a
time. The text is the same, byte for byte, as `f"{value:.{digits}f}"` per cell with a
blank for a missing value (tests/replay_data/test_csv_blocks.py compares the two).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TextIO

import numpy as np

BLOCK_ROWS = 8192  # rows per write: a few hundred kB of text, Ctrl-C answered at once


def case_time_text(t: float) -> str:
    """Case seconds without float noise or exponent: 1008000, 1008000.004."""
    text = f"{t:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _blank_missing(text: str, blank_infinite: bool) -> str:
    # Every cell but the first is a number, so ",nan" (or ",inf", ",-inf") is always a
    # whole cell: cutting it to "," leaves the blank the one-by-one writer wrote.
    # "-inf" before "inf", so that no "-" is left behind.
    text = text.replace(",nan", ",")
    if blank_infinite:
        text = text.replace(",-inf", ",").replace(",inf", ",")
    return text


def format_rows(t: np.ndarray, columns: Sequence[np.ndarray], digits: Sequence[int], *,
                blank_infinite: bool = True) -> Iterator[str]:
    """CSV text of rows (case time, then one cell per column with its decimals), in
    blocks of BLOCK_ROWS rows, each block ending in a newline. A NaN is a blank cell;
    so is an infinity when `blank_infinite` (the trends' rule: `np.isfinite`)."""
    template = ",".join(["%s", *(f"%.{int(d)}f" for d in digits)]) + "\n"
    n = len(t)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        times = [case_time_text(x) for x in t[start:stop].tolist()]
        cells = [np.asarray(c[start:stop], dtype=float).tolist() for c in columns]
        text = "".join([template % row for row in zip(times, *cells)])
        yield _blank_missing(text, blank_infinite)


def write_rows(fh: TextIO, t: np.ndarray, columns: Sequence[np.ndarray],
               digits: Sequence[int], *, blank_infinite: bool = True) -> None:
    """format_rows written to `fh` block by block."""
    for block in format_rows(t, columns, digits, blank_infinite=blank_infinite):
        fh.write(block)
