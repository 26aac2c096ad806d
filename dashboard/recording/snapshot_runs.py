"""Runs of snapshot lines as the writer writes them, read in bulk.

A million snapshot lines parsed one by one (JSON, a dict per line, a datetime per wall
time) took 12 s of CPU. The writer's own line has one shape -- `{"type":"snapshot",
"case_time":T,"wall_time":"...+00:00","values":{"hr":V,...},"flags":[]}` with the same
channels in the same order line after line -- so a run of such lines is matched by one
regular expression made for its channels, and its numbers and wall times are converted a
column at a time (numpy parses the ISO times, with their range checks).

Only what that expression matches exactly is read here, and only when every number is
finite and every integer at most 2**53 and every wall time a real date: any other line
(flags, another set of channels, an odd number, a local time, a line that is not JSON)
goes through the reader's line-by-line path, which accepts it or refuses it with the
file and line, as before. The table's columns come out the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from dashboard.recording.snapshots import SnapshotTable
from replay_data.input_file import MAX_INT

SNAPSHOT_START = b'{"type":"snapshot",'  # how the writer's snapshot lines begin
RUN = 4096  # lines read in bulk at a time: big enough to amortise, small in memory

_NUM = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# The writer's UTC wall time (milliseconds, +00:00); year 0000 is no date in Python.
_WALL = rb"((?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})\+00:00"
_CHANNEL = re.compile(r"[A-Za-z0-9_]+")


def _shape(channels: Sequence[str]) -> re.Pattern[bytes]:
    values = b",".join(b'"' + c.encode() + b'":(' + _NUM + b")" for c in channels)
    # From the newline before the line to the end of the line: the literal start lets the
    # search jump from line to line, and no match can begin inside a line.
    return re.compile(rb'\n\{"type":"snapshot","case_time":(' + _NUM + rb'),"wall_time":"'
                      + _WALL + rb'","values":\{' + values + rb'\},"flags":\[\]\}[ \t\r]*(?=\n|\Z)')


def _joined(lines: list[bytes]) -> bytes:
    return b"\n" + b"\n".join(lines)


class SnapshotRuns:
    """Feeds runs of snapshot lines into a table: in bulk where they have the shape of the
    channels last seen, else through `one_line` (the reader's own path for one line)."""

    def __init__(self, table: SnapshotTable,
                 one_line: Callable[[int, bytes], None]) -> None:
        self.table = table
        self.one_line = one_line
        self._shapes: dict[tuple[str, ...], re.Pattern[bytes] | None] = {}
        self.numbers: list[int] = []
        self.lines: list[bytes] = []

    def hold(self, number: int, data: bytes) -> None:
        self.numbers.append(number)
        self.lines.append(data)
        if len(self.lines) >= RUN:
            self.flush()

    def flush(self) -> None:
        numbers, lines = self.numbers, self.lines
        if not lines:
            return
        self.numbers, self.lines = [], []
        shape = self._current_shape()
        if shape is not None:
            found = shape.findall(_joined(lines))
            # One match per line at most (anchored at both ends): as many as lines, all.
            if len(found) == len(lines) and self._add(numbers, found):
                return
        self._line_by_line(numbers, lines)

    def _current_shape(self) -> re.Pattern[bytes] | None:
        """The pattern of the channels of the table's last snapshot (None: none yet, or
        channel names a pattern should not hold)."""
        t = self.table
        if not len(t):
            return None
        hi = t.value_end[-1]
        lo = t.value_end[-2] if len(t) > 1 else 0
        keys = tuple(t.channels[t.value_channel[j]] for j in range(lo, hi))
        if keys not in self._shapes:
            ok = len(set(keys)) == len(keys) and all(map(_CHANNEL.fullmatch, keys))
            self._shapes[keys] = _shape(keys) if ok else None
        return self._shapes[keys]

    def _line_by_line(self, numbers: list[int], lines: list[bytes]) -> None:
        """Lines of the shape in bulk, each run of them; any other line on its own."""
        start = 0
        for i, data in enumerate(lines):
            shape = self._current_shape()
            if shape is not None and shape.fullmatch(b"\n" + data):
                continue
            if start < i:
                self._run_or_each(numbers[start:i], lines[start:i])
            self.one_line(numbers[i], data)  # may start a new shape
            start = i + 1
        if start < len(lines):
            self._run_or_each(numbers[start:], lines[start:])

    def _run_or_each(self, numbers: list[int], lines: list[bytes]) -> None:
        shape = self._current_shape()
        assert shape is not None
        if not self._add(numbers, shape.findall(_joined(lines))):
            for n, data in zip(numbers, lines, strict=True):
                self.one_line(n, data)

    def _add(self, numbers: list[int], found: list[tuple[bytes, ...]]) -> bool:
        """Add matched lines (case time, wall, values in the shape's channel order); False
        (nothing added) when a number or a wall time needs the line-by-line checks."""
        cols = list(zip(*found, strict=True))
        try:
            times = np.array(list(map(float, cols[0])), dtype=np.float64)
            values = np.array([list(map(float, c)) for c in cols[2:]], dtype=np.float64)
            wall_ms = np.array(cols[1], dtype="S23").astype("datetime64[ms]").astype(np.int64)
        except (ValueError, OverflowError):  # a date out of range: say which line
            return False
        for col in (times, values):
            # 1e400 reads as inf; an integer past 2**53 is refused by the full path.
            if col.size and not (np.isfinite(col).all() and np.abs(col).max() <= MAX_INT):
                return False
        self.table.add_plain_run(numbers, times, wall_ms * 1000, values.T)
        return True
