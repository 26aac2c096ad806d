"""BedsideMonitor: turns the pure course into what a monitor shows, one case second at a time.

Numerics on a monitor refresh about once a second; the alarm engine needs every
second in order. This object walks whole case seconds between frames (in one
vectorised batch, however many a fast replay skipped) and keeps the latest sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from replay_data.course import Course, Sample

# After a seek, alarm delays and latches are rebuilt from this much earlier, so a
# condition that was already running shows as it would have.
ALARM_REBUILD_WINDOW_S = 120.0
# Larger jumps are processed in batches of this many seconds to bound memory.
BATCH_S = 3600
# Seconds sampled ahead in one vectorised call while the case plays second by second:
# sampling 32 s costs about what one does (10 ms against 8 ms, most of it per call),
# and a sample is a pure function of the course and the time, whatever grid it is on.
LOOKAHEAD_S = 32


class AlarmSink(Protocol):
    def update(self, t: float, values: dict[str, float], flags: frozenset[str]) -> list: ...
    def reset(self, quiet_until: float | None = None) -> None: ...


class BedsideMonitor:
    def __init__(self, course: Course, alarms: AlarmSink | None = None) -> None:
        self.course = course
        self.alarms = alarms
        self._last_second: int | None = None
        self.latest: Sample | None = None  # set by the first advance_to / seek
        self.sample_listeners: list[Callable[[Sample], None]] = []
        # Alarm changes not yet shown (the window drains them each frame).
        self.pending_changes: list = []
        # Samples worked out ahead: (course, first second, values, flags).
        self._ahead: tuple[Course, int, dict[str, np.ndarray], dict[str, np.ndarray]] | None = None

    def set_course(self, course: Course) -> None:
        """New perturbations: the same clock, new values from now on."""
        self.course = course

    def seek(self, t: float) -> None:
        """Jump: rebuild history-dependent alarm state from a short window before t."""
        if self.alarms is not None:
            # Rebuilding replays the last window: its changes happened before and must
            # not be logged twice.
            self.alarms.reset(quiet_until=t)
        start = max(self.course.scenario.start, t - ALARM_REBUILD_WINDOW_S)
        self._last_second = math.floor(start) - 1
        self.advance_to(t)
        self.pending_changes.clear()
        self._log_present(t)

    def _log_present(self, t: float) -> None:
        """After a jump the log says which alarms were already on at the new time, so a
        reader never sees an acknowledge or clear of an alarm it never saw raised."""
        sink = getattr(self.alarms, "sink", None)
        if sink is None:
            return
        from dashboard.alarms import AlarmChange

        for a in self.alarms.active_alarms():
            if a.raised_at >= t:
                continue  # raised at the target second itself: already logged as a raise
            sink.write(AlarmChange(case_time=t, event="present", alarm_id=a.alarm_id,
                                   channel=a.channel, value=a.value, limit=a.limit,
                                   priority=a.priority, message=a.message, kind=a.kind,
                                   category=a.category))

    def take_changes(self) -> list:
        """Alarm changes since the last call, oldest first."""
        out, self.pending_changes = self.pending_changes, []
        return out

    def advance_to(self, t: float) -> Sample | None:
        """Process every whole case second up to t; return the sample now on screen."""
        second = math.floor(t)
        if self._last_second is None or second < self._last_second:
            self._last_second = second - 1
        if second > self._last_second:
            first = self._last_second + 1
            while first <= second:
                last = min(second, first + BATCH_S - 1)
                self._process(np.arange(first, last + 1, dtype=np.float64))
                first = last + 1
            self._last_second = second
        return self.latest

    def _grid(self, seconds: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The course sampled on whole seconds, from the look-ahead when it holds them."""
        first, n = int(seconds[0]), seconds.size
        ahead = self._ahead
        if ahead is not None and ahead[0] is self.course:
            start = first - ahead[1]
            values, flags = ahead[2], ahead[3]
            if 0 <= start and start + n <= next(iter(values.values())).size:
                return ({k: v[start:start + n] for k, v in values.items()},
                        {k: f[start:start + n] for k, f in flags.items()})
        if n >= LOOKAHEAD_S:
            return self.course.sample_grid(seconds)
        values, flags = self.course.sample_grid(
            np.arange(first, first + LOOKAHEAD_S, dtype=np.float64))
        self._ahead = (self.course, first, values, flags)
        return ({k: v[:n] for k, v in values.items()}, {k: f[:n] for k, f in flags.items()})

    def _process(self, seconds: np.ndarray) -> None:
        values, flags = self._grid(seconds)
        names = list(values)
        cols = [values[n] for n in names]
        flag_names = list(flags)
        flag_cols = [flags[f] for f in flag_names]
        for i, t in enumerate(seconds.tolist()):
            sample = Sample(t, {n: float(c[i]) for n, c in zip(names, cols)},
                            frozenset(f for f, c in zip(flag_names, flag_cols) if c[i]))
            if self.alarms is not None:
                self.pending_changes.extend(self.alarms.update(t, sample.values, sample.flags))
            for listener in self.sample_listeners:
                listener(sample)
            self.latest = sample
