"""Waveform samples for the strips, fetched from the pure waveform function in blocks.

A frame at 60 Hz needs only a handful of new samples per signal; calling the synthesis
for each frame would cost more than drawing. Samples are fetched a block (8 s) at a
time, aligned to the signal's own sample grid, and reused until the course changes.
A call costs 1-5 ms however short the block (8 s cost about what 2 s did), so blocks
are long; and while the sweep plays, each feed fetches its next block ahead, at its
own point in the block, so that five strips never synthesise in the same frame (five
at once were a 16 ms frame).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np

from replay_data.course import Course
from replay_data.waveforms import waveform

BLOCK_SECONDS = 8.0
MAX_BLOCKS = 16
# Where in its block each new feed fetches the next one: 0.2-0.8 of the way, spread by
# the golden ratio (feeds made one after another land far apart).
_PHASES = (0.2 + 0.6 * ((i * 0.6180339887) % 1.0) for i in itertools.count())


class WaveformFeed:
    def __init__(self, course: Course, signal: str, rate: float) -> None:
        self.course = course
        self.signal = signal
        self.rate = rate
        self.block = max(1, int(round(rate * BLOCK_SECONDS)))
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()
        self._ahead_at = int(next(_PHASES) * self.block)  # samples into a block

    def set_course(self, course: Course) -> None:
        self.course = course
        self._blocks.clear()

    def _fill(self, k0: int, k1: int) -> None:
        """Fetch the missing blocks of k0..k1 in one synthesis call (a seek needs a whole
        sweep at once; one call costs about as much as one block)."""
        missing = [k for k in range(k0, k1 + 1) if k not in self._blocks]
        if missing:
            self._synthesise(missing[0], missing[-1])
        for k in range(k0, k1 + 1):
            self._blocks.move_to_end(k)  # just used: evicted last
        while len(self._blocks) > max(MAX_BLOCKS, k1 - k0 + 1):
            self._blocks.popitem(last=False)

    def _synthesise(self, a: int, b: int) -> None:
        """Blocks a..b from one call of the waveform function (keeps blocks present)."""
        n0 = a * self.block
        count = (b - a + 1) * self.block
        y = np.full(count, np.nan)
        t0 = n0 / self.rate
        lo, hi = self.course.scenario.start, self.course.scenario.end
        if t0 + count / self.rate > lo and t0 < hi:
            t, v = waveform(self.course, self.signal, t0, count / self.rate)
            idx = np.rint(t * self.rate).astype(np.int64) - n0
            ok = (idx >= 0) & (idx < count)
            y[idx[ok]] = v[ok]
        for k in range(a, b + 1):
            if k not in self._blocks:
                i = (k - a) * self.block
                self._blocks[k] = y[i:i + self.block]

    def samples(self, n0: int, n1: int) -> np.ndarray:
        """Samples with grid index n in [n0, n1) (t = n / rate)."""
        if n1 <= n0:
            return np.empty(0)
        k0, k1 = n0 // self.block, (n1 - 1) // self.block
        self._fill(k0, k1)
        if n1 - k1 * self.block > self._ahead_at and k1 + 1 not in self._blocks \
                and n1 - n0 < self.block:
            self._synthesise(k1 + 1, k1 + 1)  # playing on: the next block, ahead
        parts = [self._blocks[k] for k in range(k0, k1 + 1)]
        joined = parts[0] if len(parts) == 1 else np.concatenate(parts)
        start = n0 - k0 * self.block
        return joined[start:start + (n1 - n0)]
