"""First-order lags computed directly, for any window.

A state y follows its drive u with time constant tau: dy/dt = (u - y) / tau. Over a
segment where u and tau are constant the solution has a closed form:

    y(t) = u0 + (y0 - u0) exp(-(t - t0) / tau)

The drive is sampled on a fixed knot grid (every `step` seconds of case time) and held
from each knot to the next (so the state at t depends on nothing after t: a disturbance
changes nothing before it starts; it takes effect at the next knot, at most `step` late).
Knots are grouped in intervals of `interval` seconds (the checkpoint grid). The state at
the start of an interval is found by starting `warmup` seconds earlier from the steady
state there (y = u) and running the knots forward: the start error shrinks by
exp(-warmup / tau) (about 1e-4 or less for the usual time constants: O2 store 0.3-2 min
against 15 min, CO2 store 5-40 min against 6 h), so no interval needs its predecessors.
A window anywhere therefore costs its own intervals, never a replay from admission, and
every value is a pure function of the time asked for: the same interval is always
computed the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Drive = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # knots -> (u, tau)

# Decay allowed per block of the vectorised recurrence: exp(+-600) stays inside float64.
_BLOCK_DECAY = 600.0


def run_knots(u: np.ndarray, tau: np.ndarray, step: float, y0: float) -> np.ndarray:
    """State at every knot for a drive u held over each segment, with per-segment tau.

    The recurrence y[k+1] = d[k] y[k] + (1 - d[k]) u[k] (d = exp(-step / tau[k])) is
    solved in blocks with cumulative products, so that it runs as array operations."""
    n = u.size
    y = np.empty(n)
    if n == 0:
        return y
    y[0] = y0
    if n == 1:
        return y
    logd = -step / tau[:-1]
    g = -np.expm1(logd) * u[:-1]
    start = 0
    cur = float(y0)
    while start < n - 1:
        # Longest block whose total decay stays representable.
        cum = np.cumsum(logd[start:])
        stop = start + max(1, int(np.searchsorted(-cum, _BLOCK_DECAY, side="right")))
        c = cum[: stop - start]
        # y[start + j + 1] = P_j (cur + sum_{i <= j} g_i / P_i), P_j = prod_{i <= j} d_i
        p = np.exp(c)
        acc = np.cumsum(g[start:stop] / p)
        y[start + 1: stop + 1] = p * (cur + acc)
        cur = float(y[stop])
        start = stop
    return y


@dataclass(frozen=True)
class LagInterval:
    """Knots of one checkpoint interval: time of knot 0, spacing, drive, tau, state."""
    t0: float
    step: float
    u: np.ndarray
    tau: np.ndarray
    y: np.ndarray

    def at(self, t: np.ndarray) -> np.ndarray:
        """State at times inside this interval's knot span (closed form in the segment)."""
        x = (t - self.t0) / self.step
        k = np.clip(np.floor(x).astype(np.int64), 0, self.u.size - 1)
        dt = t - (self.t0 + k * self.step)
        u = self.u[k]
        return u + (self.y[k] - u) * np.exp(-dt / self.tau[k])


@dataclass
class Lag:
    """A lag with its knot spacing, warm-up and checkpoint interval; caches intervals."""
    name: str
    step: float
    warmup: float
    interval: float
    drive: Drive

    def __post_init__(self) -> None:
        self._cache: dict[int, LagInterval] = {}
        self._per = int(round(self.interval / self.step))
        self._warm = int(math.ceil(self.warmup / self.step))

    def _interval(self, k: int) -> LagInterval:
        got = self._cache.get(k)
        if got is None:
            t0 = k * self.interval - self._warm * self.step
            knots = t0 + self.step * np.arange(self._warm + self._per + 1)
            u, tau = self.drive(knots)
            tau = np.maximum(tau, 1e-3)
            got = LagInterval(t0, self.step, u, tau, run_knots(u, tau, self.step, float(u[0])))
            self._cache[k] = got
        return got

    def intervals(self, ks: np.ndarray) -> None:
        """Compute (and cache) several intervals with one call of the drive."""
        todo = [int(k) for k in ks if int(k) not in self._cache]
        if len(todo) <= 1:
            for k in todo:
                self._interval(k)
            return
        span = self._warm + self._per + 1
        offsets = self.step * np.arange(span)
        starts = np.array([k * self.interval - self._warm * self.step for k in todo])
        knots = (starts[:, None] + offsets[None, :]).ravel()
        u, tau = self.drive(knots)
        tau = np.maximum(tau, 1e-3)
        for i, k in enumerate(todo):
            sl = slice(i * span, (i + 1) * span)
            uk, tk = u[sl], tau[sl]
            self._cache[k] = LagInterval(float(starts[i]), self.step, uk, tk,
                                         run_knots(uk, tk, self.step, float(uk[0])))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if t.size == 0:
            return np.empty(t.shape)
        k = np.floor(t / self.interval).astype(np.int64)
        ks = np.unique(k) if k.size < 64 else np.flatnonzero(np.bincount(k - k.min())) + k.min()
        self.intervals(ks)
        if ks.size == 1:
            return self._cache[int(ks[0])].at(t)
        # Many intervals: stack their knots and evaluate every time in one pass.
        rows = [self._cache[int(kk)] for kk in ks]
        u = np.stack([r.u for r in rows])
        tau = np.stack([r.tau for r in rows])
        y = np.stack([r.y for r in rows])
        t0 = np.array([r.t0 for r in rows])
        row = np.searchsorted(ks, k)
        x = (t - t0[row]) / self.step
        j = np.clip(np.floor(x).astype(np.int64), 0, u.shape[1] - 1)
        dt = t - (t0[row] + j * self.step)
        u0 = u[row, j]
        return u0 + (y[row, j] - u0) * np.exp(-dt / tau[row, j])


SwitchedDrive = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                             np.ndarray]]


def run_switched(u1: np.ndarray, tau1: np.ndarray, u2: np.ndarray, tau2: np.ndarray,
                 threshold: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lag with two regimes: over each segment the state follows (u1, tau1) if it starts
    at or above `threshold`, else (u2, tau2) (a piecewise-linear system, e.g. O2
    consumption that becomes supply-dependent below a critical delivery). Sequential over
    the knots, as the regime depends on the state; returns (state, u, tau) at the knots,
    (u, tau) being the regime's, so LagInterval.at evaluates between knots."""
    n = u1.size
    y = np.empty(n)
    u = np.empty(n)
    tau = np.empty(n)
    if n == 0:
        return y, u, tau
    a1, a2, b1, b2, th = (x.tolist() for x in (u1, u2, tau1, tau2, threshold))
    cur = a1[0] if a1[0] >= th[0] else a2[0]
    ys, us, ts = [0.0] * n, [0.0] * n, [0.0] * n
    for k in range(n):
        ys[k] = cur
        if cur >= th[k]:
            uk, tk = a1[k], b1[k]
        else:
            uk, tk = a2[k], b2[k]
        us[k], ts[k] = uk, tk
        cur = uk + (cur - uk) * math.exp(-step / tk)
    y[:] = ys
    u[:] = us
    tau[:] = ts
    return y, u, tau


@dataclass
class SwitchedLag:
    """A two-regime lag (run_switched) with knots, warm-up and checkpoint intervals as Lag;
    the warm-up starts in the steady state of the regime that holds there."""
    name: str
    step: float
    warmup: float
    interval: float
    drive: SwitchedDrive

    def __post_init__(self) -> None:
        self._cache: dict[int, LagInterval] = {}
        self._per = int(round(self.interval / self.step))
        self._warm = int(math.ceil(self.warmup / self.step))

    def _make(self, ks: list[int]) -> None:
        span = self._warm + self._per + 1
        offsets = self.step * np.arange(span)
        starts = np.array([k * self.interval - self._warm * self.step for k in ks])
        knots = (starts[:, None] + offsets[None, :]).ravel()
        u1, t1, u2, t2, th = self.drive(knots)
        t1, t2 = np.maximum(t1, 1e-3), np.maximum(t2, 1e-3)
        for i, k in enumerate(ks):
            sl = slice(i * span, (i + 1) * span)
            y, u, tau = run_switched(u1[sl], t1[sl], u2[sl], t2[sl], th[sl], self.step)
            self._cache[k] = LagInterval(float(starts[i]), self.step, u, tau, y)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if t.size == 0:
            return np.empty(t.shape)
        k = np.floor(t / self.interval).astype(np.int64)
        ks = np.unique(k)
        todo = [int(x) for x in ks if int(x) not in self._cache]
        if todo:
            self._make(todo)
        out = np.empty(t.shape)
        for kk in ks:
            sel = k == kk
            out[sel] = self._cache[int(kk)].at(t[sel])
        return out
