"""Numbers to CSV text a block of rows at a time, for the exports of `replay-data`.

A whole-course trends export is 1.4 million cells; formatting them one by one with an
f-string per cell took four times as long as computing them. Here a column's cells are
looked up in a table of texts (a channel's values span a few thousand steps of its last
decimal) with numpy, rows are joined, and the text is written a block at a time. The
text is the same, byte for byte, as `f"{value:.{digits}f}"` per cell with a blank for a
missing value (tests/replay_data/test_csv_blocks.py compares the two).
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


# A column's cells come from a table of the texts of every value its range can round
# to, when that table is no longer than the column: the integer k = round(value * 10**d)
# picks the text. Where that integer could differ from the correctly rounded decimal
# (within a hair of a half, or too large for a float's integer part), the cell is
# formatted as before, one by one.
_SAFE_SCALED = 1e15
_HALF_MARGIN = 1e-9


def _time_cells(t: np.ndarray) -> list[str]:
    """case_time_text of each time; whole seconds (the usual grid) through int text."""
    whole = (t == np.floor(t)) & (np.abs(t) < _SAFE_SCALED) & ~((t == 0) & np.signbit(t))
    if whole.all():
        return list(map(str, t.astype(np.int64).tolist()))
    return [str(int(x)) if w else case_time_text(x) for x, w in zip(t.tolist(), whole.tolist())]


class _NumberColumn:
    """One column's texts: f"{v:.{digits}f}" of each value, "" for a NaN (and for an
    infinity if blank_infinite). The table is made once for the whole column."""

    def __init__(self, values: np.ndarray, digits: int, blank_infinite: bool) -> None:
        v = np.asarray(values, dtype=float)
        finite = np.isfinite(v)
        scaled = np.where(finite, v, 0.0) * 10.0 ** digits
        k = np.rint(scaled)
        risky = ((np.abs(scaled) >= _SAFE_SCALED)
                 | (np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) < _HALF_MARGIN))
        ok = finite & ~risky
        self.table: np.ndarray | None = None
        if ok.any():
            k_lo, k_hi = int(k[ok].min()), int(k[ok].max())
            if k_hi - k_lo + 1 <= v.size:  # else the table would cost more than the cells
                keys = np.arange(k_lo, k_hi + 1) / 10.0 ** digits
                texts = [f"{x:.{digits}f}" for x in keys.tolist()]
                # The last slot: a negative value that rounds to zero keeps its sign, as
                # Python writes it ("-0.0"); the one before: a blank.
                self.table = np.array([*texts, "", f"{-0.0:.{digits}f}"], dtype=object)
                index = np.where(ok, k, k_lo).astype(np.int64) - k_lo
                index[ok & (k == 0) & np.signbit(v)] = len(texts) + 1
                ok_index = index
        if self.table is None:
            ok[:] = False
            ok_index = np.zeros(v.size, dtype=np.int64)
        blank = ~finite if blank_infinite else np.isnan(v)
        if self.table is not None:
            ok_index[blank] = len(self.table) - 2
        self.index = ok_index
        self.by_hand = ~ok & ~blank  # formatted one by one
        self.values, self.digits = v, digits

    def cells(self, start: int, stop: int) -> list[str]:
        if self.table is None:
            cells = np.full(stop - start, "", dtype=object)
        else:
            cells = self.table[self.index[start:stop]]
        for i in np.flatnonzero(self.by_hand[start:stop]).tolist():
            cells[i] = f"{float(self.values[start + i]):.{self.digits}f}"
        return cells.tolist()


def format_rows(t: np.ndarray, columns: Sequence[np.ndarray], digits: Sequence[int], *,
                blank_infinite: bool = True) -> Iterator[str]:
    """CSV text of rows (case time, then one cell per column with its decimals), in
    blocks of BLOCK_ROWS rows, each block ending in a newline. A NaN is a blank cell;
    so is an infinity when `blank_infinite` (the trends' rule: `np.isfinite`)."""
    t = np.asarray(t, dtype=float)
    prepared = [_NumberColumn(c, int(d), blank_infinite) for c, d in zip(columns, digits)]
    for start in range(0, len(t), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(t))
        cells = [_time_cells(t[start:stop]), *(c.cells(start, stop) for c in prepared)]
        yield "\n".join([",".join(row) for row in zip(*cells)]) + "\n"

def write_rows(fh: TextIO, t: np.ndarray, columns: Sequence[np.ndarray],
               digits: Sequence[int], *, blank_infinite: bool = True) -> None:
    """format_rows written to `fh` block by block."""
    for block in format_rows(t, columns, digits, blank_infinite=blank_infinite):
        fh.write(block)
