"""A session file's snapshots as a table (columns), not one object per line.

A snapshot is written every case minute; a long or hostile file holds a million of them
(up to the session size limit). As dicts and dataclasses they took gigabytes; as columns
(typed arrays, channel names interned) a million four-value snapshots take ~60 MB, and
the debrief compares them with the course a block at a time (numpy).

Each line is checked on the way in with the rules of every other line (finite numbers,
integers at most 2**53, text flags); `fast_snapshot` reads the common, well-formed line
with the C JSON parser alone and hands anything else to the reader's full path, which
accepts or refuses it with its message. Runs of the writer's own lines are read in bulk
before either (snapshot_runs.py, add_plain_run).
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from replay_data.input_file import MAX_INT

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_FLAGS: frozenset[str] = frozenset()
_KEYS = frozenset({"type", "case_time", "wall_time", "values", "flags"})


@dataclass(frozen=True)
class Snapshot:
    line: int
    case_time: float
    wall_time: str
    values: dict[str, float]
    flags: frozenset[str]


def _number(v: object) -> bool:
    if type(v) is float:
        return math.isfinite(v)
    return type(v) is int and abs(v) <= MAX_INT


def _refuse(name: str) -> float:
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_refuse)  # NaN, Infinity: not a plain line
_PLAIN = frozenset({float})


def _plain_numbers(values: dict) -> bool:
    kinds = set(map(type, values.values()))
    if kinds <= _PLAIN:
        # Finite unless a literal overflowed (1e400 reads as inf): a sum that is finite
        # says none did; one that is not (or a huge sum) is looked at value by value.
        return math.isfinite(sum(values.values())) or all(map(_number, values.values()))
    return kinds <= {float, int} and all(map(_number, values.values()))


def fast_snapshot(text: str) -> tuple[float, str, datetime, dict, list] | None:
    """(case time, wall text, wall, values, flags) of a well-formed snapshot line, or None
    (not a snapshot, or anything unusual: the full path decides). One function, few
    calls: it runs once per line of a million-line file."""
    if '"snapshot"' not in text:
        return None
    try:
        rec, end = _DECODER.raw_decode(text)  # the C scanner, without json.loads' layers
    except (ValueError, RecursionError):
        return None
    if end != len(text) and text[end:].strip():
        return None
    if type(rec) is not dict or rec.keys() != _KEYS or rec["type"] != "snapshot":
        return None
    t, wall, values, flags = rec["case_time"], rec["wall_time"], rec["values"], rec["flags"]
    if type(t) is not float and not _number(t):
        return None
    if type(wall) is not str or type(values) is not dict or type(flags) is not list:
        return None
    if not _plain_numbers(values) or (flags and not all(type(f) is str for f in flags)):
        return None
    try:
        when = datetime.fromisoformat(wall)
    except ValueError:
        return None
    if when.utcoffset() is None:  # a local time without an offset: the full path
        return None
    return float(t), wall, when, values, flags


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds" if when.microsecond % 1000 == 0 else "auto")


@dataclass
class SnapshotTable:
    """Every snapshot line of a file, as columns in file order."""

    lines: array = field(default_factory=lambda: array("q"))
    times: array = field(default_factory=lambda: array("d"))
    # Wall time as microseconds since the epoch and the UTC offset in minutes; the text
    # is rebuilt from them, and kept as written only where that would differ.
    wall_us: array = field(default_factory=lambda: array("q"))
    wall_tz: array = field(default_factory=lambda: array("h"))
    wall_text: dict[int, str] = field(default_factory=dict)
    # Values: channel index and value per recorded number, each snapshot's end offset.
    value_channel: array = field(default_factory=lambda: array("I"))
    value: array = field(default_factory=lambda: array("d"))
    value_end: array = field(default_factory=lambda: array("q"))
    channels: list[str] = field(default_factory=list)
    _channel_index: dict[str, int] = field(default_factory=dict)
    _layouts: dict[tuple[str, ...], array] = field(default_factory=dict)
    flag_of: array = field(default_factory=lambda: array("I"))
    flag_sets: list[frozenset[str]] = field(default_factory=list)
    _flag_index: dict[frozenset[str], int] = field(default_factory=dict)
    _latest_us: int = -(2**63)
    _latest: int = -1  # the snapshot with the latest wall time

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, line: int, t: float, wall: str, when: datetime, values: dict,
            flags: list) -> None:
        i = len(self.lines)
        self.lines.append(line)
        self.times.append(t)
        # The writer's own form (UTC, milliseconds) rebuilds as written: no need to check.
        canonical = len(wall) == 29 and wall[19] == "." and wall.endswith("+00:00")
        if canonical:
            us = round(when.timestamp() * 1000) * 1000
            self.wall_tz.append(0)
        else:
            offset = when.utcoffset()  # never None (fast_snapshot)
            us = (when - _EPOCH) // timedelta(microseconds=1)
            self.wall_tz.append(int(offset.total_seconds() // 60))
        self.wall_us.append(us)
        if not canonical and self._wall(i) != wall:
            self.wall_text[i] = wall
        if us > self._latest_us:
            self._latest_us, self._latest = us, i
        keys = tuple(values)
        layout = self._layouts.get(keys)
        if layout is None:  # a new set of channels (usually once per file)
            index = self._channel_index
            for k in keys:
                if k not in index:
                    index[k] = len(self.channels)
                    self.channels.append(k)
            layout = self._layouts[keys] = array("I", [index[k] for k in keys])
        self.value_channel.extend(layout)
        self.value.extend(values.values())
        self.value_end.append(len(self.value))
        key = frozenset(flags) if flags else _NO_FLAGS
        f = self._flag_index.get(key)
        if f is None:
            f = self._flag_index[key] = len(self.flag_sets)
            self.flag_sets.append(key)
        self.flag_of.append(f)

    def add_plain_run(self, lines: list[int], times: np.ndarray, wall_us: np.ndarray,
                      values: np.ndarray) -> None:
        """Snapshots in the writer's own form (UTC wall times to the millisecond, no
        flags), each with the channels of the last snapshot added, in that order
        (snapshot_runs.py): `values` is one row per snapshot. As add() would store them."""
        n = len(lines)
        hi = self.value_end[-1]
        lo = self.value_end[-2] if len(self) > 1 else 0
        layout = self.value_channel[lo:hi]
        k = len(layout)
        first = len(self.lines)
        self.lines.extend(lines)
        self.times.frombytes(np.ascontiguousarray(times, dtype=np.float64).tobytes())
        self.wall_us.frombytes(np.ascontiguousarray(wall_us, dtype=np.int64).tobytes())
        self.wall_tz.frombytes(bytes(2 * n))
        self.value_channel.extend(layout * n)
        end = len(self.value)
        if k:
            self.value.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        self.value_end.frombytes((end + k * np.arange(1, n + 1, dtype=np.int64)).tobytes())
        f = self._flag_index.get(_NO_FLAGS)
        if f is None:
            f = self._flag_index[_NO_FLAGS] = len(self.flag_sets)
            self.flag_sets.append(_NO_FLAGS)
        self.flag_of.extend(array("I", [f]) * n)
        i = int(np.argmax(wall_us))
        if int(wall_us[i]) > self._latest_us:
            self._latest_us, self._latest = int(wall_us[i]), first + i

    @property
    def last_wall(self) -> datetime | None:
        """The latest wall time of any snapshot."""
        return None if self._latest < 0 else datetime.fromisoformat(
            self.wall_time(self._latest))

    def _wall(self, i: int) -> str:
        tz = UTC if self.wall_tz[i] == 0 else timezone(timedelta(minutes=self.wall_tz[i]))
        when = (_EPOCH + timedelta(microseconds=self.wall_us[i])).astimezone(tz)
        return _iso(when)

    def wall_time(self, i: int) -> str:
        return self.wall_text.get(i) or self._wall(i)

    def snapshot(self, i: int) -> Snapshot:
        lo = self.value_end[i - 1] if i else 0
        hi = self.value_end[i]
        values = {self.channels[self.value_channel[j]]: self.value[j] for j in range(lo, hi)}
        return Snapshot(self.lines[i], self.times[i], self.wall_time(i), values,
                        self.flag_sets[self.flag_of[i]])

    def __iter__(self) -> Iterator[Snapshot]:
        return (self.snapshot(i) for i in range(len(self)))

    def columns(self, rows: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        """Recorded values of snapshots `rows` (indices, increasing) for each channel of
        `names`: NaN where a snapshot holds none (it was not finite when written)."""
        ends = np.frombuffer(self.value_end, dtype=np.int64) if len(self) else \
            np.zeros(0, np.int64)
        starts = np.concatenate(([0], ends[:-1]))[rows]
        stops = ends[rows]
        counts = stops - starts
        out = {n: np.full(len(rows), np.nan) for n in names}
        if counts.sum() == 0:
            return out
        # The value positions of the chosen rows, and which of the chosen rows each is.
        pos = np.repeat(stops - counts.cumsum(), counts) + np.arange(int(counts.sum()))
        which = np.repeat(np.arange(len(rows)), counts)
        chan = np.frombuffer(self.value_channel, dtype=np.uint32)[pos]
        vals = np.frombuffer(self.value, dtype=np.float64)[pos]
        for name in names:
            c = self._channel_index.get(name)
            if c is not None:
                hit = chan == c
                out[name][which[hit]] = vals[hit]
        return out
