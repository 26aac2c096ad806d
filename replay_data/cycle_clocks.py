"""The beat and breath clocks behind every waveform.

The beat count phi(t) = integral of HR/60 and the breath count = integral of RR/60, both
from scenario start, so that whole numbers are R waves and starts of inspiration. They are
integrated once on a fixed node grid (2 s nodes in 6 h chunks, cached, see `_CycleCache`)
and interpolated between nodes; nothing is advanced frame by frame, so a clock read at
any time is the same whichever times were read before (replay_data.waveforms relies on it:
a window that starts anywhere has its R waves where a window that ran there had them).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .course import Course

# Node spacing of the integrated HR and RR. HR noise has a 30 s correlation time and
# perturbations ramp over seconds, so HR linear between 2 s nodes loses nothing visible.
CYCLE_STEP_S = 2.0
# Nodes per cached chunk (6 h). A chunk depends only on the perturbations that touch it,
# so after an instructor action only the chunks from then on are integrated again.
CYCLE_CHUNK_NODES = 10800
HEART_RATE = "hr"
# Chunk arrays kept (each ~170 kB): a whole 24-day course for both clocks, twice over.
_MAX_CACHED_CHUNKS = 512
_MAX_CACHED_TOTALS = 100_000


@dataclass(frozen=True)
class _CycleChunk:
    rate: np.ndarray   # cycles per second at the nodes (NaN where the channel is unknown)
    count: np.ndarray  # cycles since the chunk's first node, at each node (trapezoid)


@dataclass(frozen=True)
class Cycle:
    """A clock at some times: whole numbers of `count` are R waves (or inspirations)."""
    count: np.ndarray  # cumulative cycles since scenario start; NaN where unknown
    rate: np.ndarray   # cycles per second (HR/60 or RR/60) at the same times

    @property
    def fraction(self) -> np.ndarray:
        """Position within the current cycle, in [0, 1)."""
        return self.count - np.floor(self.count)


class _Identity:
    """Small integer tokens for live objects that cannot be hashed (Scenario, Course hold
    dicts). A token is never reused, so a cache entry cannot outlive its object's
    identity even when Python reuses the object's id()."""

    def __init__(self) -> None:
        self._tokens: dict[int, tuple[weakref.ref, int]] = {}
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def __call__(self, obj: object) -> int:
        key = id(obj)
        with self._lock:
            entry = self._tokens.get(key)
            if entry is not None and entry[0]() is obj:
                return entry[1]
            token = next(self._counter)

            def forget(ref: weakref.ref, key: int = key) -> None:
                current = self._tokens.get(key)
                if current is not None and current[0] is ref:
                    del self._tokens[key]

            self._tokens[key] = (weakref.ref(obj, forget), token)
            return token


_identity = _Identity()


class _CycleCache:
    """Integrated HR (or RR) in 6 h chunks, computed when first needed.

    A chunk's key is (scenario, catalogue, seed, channel, chunk index, the perturbations
    that change the channel within the chunk, and for the heart rate every perturbation
    begun by the chunk's end): perturbations outside a chunk leave its values
    bit-for-bit unchanged (their envelope is exactly 0 there), so courses that differ
    only later share the chunk. Chunk totals come from closed-form sums (see
    _total) and are kept apart from the arrays, so the running sum up to any time is
    cheap and survives eviction of the arrays.
    """

    def __init__(self) -> None:
        self._chunks: OrderedDict[tuple, _CycleChunk] = OrderedDict()
        self._totals: dict[tuple, float] = {}
        self._offsets: OrderedDict[tuple[int, str], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._totals.clear()
            self._offsets.clear()

    @staticmethod
    def _span(course: Course, c: int) -> tuple[float, float]:
        start = course.scenario.start + c * CYCLE_CHUNK_NODES * CYCLE_STEP_S
        return start, start + CYCLE_CHUNK_NODES * CYCLE_STEP_S

    def _key(self, course: Course, channel: str, c: int) -> tuple:
        lo, hi = self._span(course, c)
        index = course.perturbation_index
        touching = index.touching(channel, lo, hi, off=False)
        # The heart rate also follows the hypoxic heart (physiology.hypoxia), which any
        # disturbance of the circuit, the ventilator or the blood can set off without
        # acting on "hr" itself, and whose slowing or arrest outlasts it.
        drivers = index.started_by(hi) if channel == HEART_RATE else ()
        return (_identity(course.scenario), _identity(course.catalogue), course.seed,
                channel, c, touching, drivers)

    def chunk(self, course: Course, channel: str, c: int) -> _CycleChunk:
        key = self._key(course, channel, c)
        with self._lock:
            hit = self._chunks.get(key)
            if hit is not None:
                self._chunks.move_to_end(key)
                return hit
        lo, _ = self._span(course, c)
        nodes = lo + np.arange(CYCLE_CHUNK_NODES + 1, dtype=np.float64) * CYCLE_STEP_S
        # The physiology, not the reading: the heart beats on while the leads are off.
        rate = course.numeric(channel, nodes, measured=False) / 60.0
        known = np.nan_to_num(rate, nan=0.0)
        count = np.empty_like(rate)
        count[0] = 0.0
        np.cumsum(0.5 * CYCLE_STEP_S * (known[:-1] + known[1:]), out=count[1:])
        built = _CycleChunk(rate, count)
        with self._lock:
            self._chunks[key] = built
            while len(self._chunks) > _MAX_CACHED_CHUNKS:
                self._chunks.popitem(last=False)
        return built

    def _totals_of(self, course: Course, channel: str, chunks: list[int]) -> list[float]:
        """Cycles in each chunk: its trapezoid sum from Course.node_sums (closed form over
        keyframes and noise) rather than from its node arrays, so a window far into the
        course does not evaluate every node before it. Always computed this way, so the
        offsets never depend on which chunks happen to be cached."""
        keys = [self._key(course, channel, c) for c in chunks]
        with self._lock:
            got = [self._totals.get(k) for k in keys]
        todo = [i for i, g in enumerate(got) if g is None]
        if todo:
            n = CYCLE_CHUNK_NODES
            starts = np.array([self._span(course, chunks[i])[0] for i in todo])
            inner = course.node_sums(channel, starts, n, CYCLE_STEP_S)
            ends = np.nan_to_num(course.numeric(
                channel, np.concatenate([starts, starts + n * CYCLE_STEP_S]), measured=False))
            first, last = ends[:starts.size], ends[starts.size:]
            totals = CYCLE_STEP_S * (inner - 0.5 * first + 0.5 * last) / 60.0
            with self._lock:
                if len(self._totals) >= _MAX_CACHED_TOTALS:
                    self._totals.clear()  # recomputable; only reached in very long sessions
                for i, total in zip(todo, totals):
                    got[i] = float(total)
                    self._totals[keys[i]] = float(total)
        return [float(g) for g in got]

    def offset(self, course: Course, channel: str, c: int) -> float:
        """Cycles from scenario start to the first node of chunk c (summed in order, so
        the value never depends on which window asked first)."""
        memo_key = (_identity(course), channel)
        with self._lock:
            known = self._offsets.get(memo_key)
            if known is None:
                known = [0.0]
                self._offsets[memo_key] = known
                while len(self._offsets) > 32:
                    self._offsets.popitem(last=False)
            else:
                self._offsets.move_to_end(memo_key)
            have = list(known)
        if len(have) <= c:
            for total in self._totals_of(course, channel, list(range(len(have) - 1, c))):
                have.append(have[-1] + total)
        with self._lock:
            if len(known) < len(have):
                known[len(known):] = have[len(known):]
        return have[c]

    def cycle(self, course: Course, channel: str, t: np.ndarray) -> Cycle:
        """Cycle count and rate at times t (NaN outside the scenario)."""
        sc = course.scenario
        x = (t - sc.start) / CYCLE_STEP_S
        inside = (t >= sc.start) & (t <= sc.end)
        k = np.floor(np.where(inside, x, 0.0)).astype(np.int64)
        u = np.where(inside, x - k, np.nan)
        c = k // CYCLE_CHUNK_NODES
        j = k - c * CYCLE_CHUNK_NODES
        if c.size and c.min() == c.max():
            # One chunk (all but windows that straddle a 6 h boundary): plain gathers.
            ci = int(c[0])
            ch = self.chunk(course, channel, ci)
            base = self.offset(course, channel, ci) + ch.count[j]
            r0, r1 = ch.rate[j], ch.rate[j + 1]
        else:
            base = np.empty(t.shape)
            r0 = np.empty(t.shape)
            r1 = np.empty(t.shape)
            for ci in np.unique(c):
                sel = c == ci
                ch = self.chunk(course, channel, int(ci))
                jj = j[sel]
                base[sel] = self.offset(course, channel, int(ci)) + ch.count[jj]
                r0[sel] = ch.rate[jj]
                r1[sel] = ch.rate[jj + 1]
        # Rate linear between nodes, integrated exactly: the count is smooth with a
        # continuous slope, so R-R intervals never jump at a node.
        count = base + CYCLE_STEP_S * u * (r0 + 0.5 * (r1 - r0) * u)
        rate = r0 + (r1 - r0) * u
        return Cycle(count, rate)


_cycles = _CycleCache()


def clear_cache() -> None:
    """Forget the integrated HR and RR (for cold-start measurements)."""
    _cycles.clear()


def beats(course: Course, t: np.ndarray) -> Cycle:
    """Beat clock: whole numbers are R-wave peaks."""
    return _cycles.cycle(course, "hr", np.asarray(t, dtype=np.float64))


def breaths(course: Course, t: np.ndarray) -> Cycle:
    """Breath clock: whole numbers are starts of inspiration."""
    return _cycles.cycle(course, "rr", np.asarray(t, dtype=np.float64))
