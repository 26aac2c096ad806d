"""States with a history, computed directly for any window: the windowed integrator.

A state with a history (a first-order lag, the heart's hypoxic load) is stepped over a
fixed knot grid, knot j at j x `step` seconds of case time, its drive sampled at the knots
and held from each knot to the next (so the state at t depends on nothing after t: a
disturbance changes nothing before it starts; it takes effect at the next knot, at most
`step` late). Knots are grouped in checkpoint intervals of `interval` seconds. The state
in an interval is found by starting `warmup` seconds earlier from rest (for a lag its
steady state there, y = u) and running the knots forward: for a lag the start error
shrinks by exp(-warmup / tau) (about 1e-4 or less for the usual time constants: O2 store
0.3-2 min against 15 min, CO2 store 5-40 min against 6 h), so no interval needs its
predecessors. A window anywhere therefore costs its own intervals, never a replay from
admission, and every value is a pure function of the time asked for: the same interval is
always computed the same way.

`Windowed` is the one place that does this, cached: it finds the intervals a request
needs, evaluates the drive once on the union of their knots (drives are pointwise
functions of time, so an interval gets the values it would get alone, and the warm-up
knots an interval shares with its predecessor's are evaluated once), steps each interval
and keeps only its own knots for evaluation. An interval known to be at rest throughout
(`quiet`) is not stepped at all. Lag, SwitchedLag (lags.py) and the hypoxic heart
(hypoxia.py) are built on it.

For a lag, dy/dt = (u - y) / tau: over a segment where u and tau are held the solution is

    y(t) = u0 + (y0 - u0) exp(-(t - t0) / tau)

which gives the state between knots, and the knot recurrence is solved as array
operations (run_knots; run_switched for two regimes, stepping per knot only where the
regime changes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

Arrays = tuple[np.ndarray, ...]
Drive = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # knot times -> (u, tau)
# knot times -> (u1, tau1, u2, tau2, threshold, watch): see SwitchedLag.
SwitchedDrive = Callable[[np.ndarray], Arrays]
# (interval starts, ends) -> whether the state is known to be at rest in each.
Quiet = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Decay allowed per block of the vectorised recurrence: exp(+-600) stays inside float64.
_BLOCK_DECAY = 600.0
# Regime changes run_switched follows with array operations before it steps per knot
# (a state chattering on its threshold).
_MAX_VECTOR_SWITCHES = 16

S = TypeVar("S")


def run_knots(u: np.ndarray, tau: np.ndarray, step: float | np.ndarray,
              y0: float) -> np.ndarray:
    """State at every knot for a drive u held over each segment, with per-segment tau;
    `step` the knot spacing, or each segment's duration (an array, one per knot).

    The recurrence y[k+1] = d[k] y[k] + (1 - d[k]) u[k] (d = exp(-step / tau[k])) is
    solved in blocks of knots with cumulative products, y[s + j + 1] = P_j (y[s] +
    sum_{i <= j} g_i / P_i) with P_j = d_s ... d_{s+j} and g = (1 - d) u, so that it runs
    as array operations; a block is as long as the strongest decay allows without
    leaving float64 (exp(+-600)). A decay beyond e^-50 over a segment counts as e^-50
    (it leaves less than 1e-21 of the state: nothing in double precision)."""
    n = u.size
    y = np.empty(n)
    if n == 0:
        return y
    y[0] = y0
    if n == 1:
        return y
    dur = step if np.isscalar(step) else np.asarray(step)[:n - 1]
    logd = np.maximum(-dur / tau[:-1], -50.0)
    g = -np.expm1(logd) * u[:-1]
    worst = float(-logd.min())
    block = n - 1 if worst <= 0 else max(1, min(n - 1, int(_BLOCK_DECAY // worst)))
    cur = float(y0)
    for s in range(0, n - 1, block):
        e = min(s + block, n - 1)
        p = np.exp(np.cumsum(logd[s:e]))
        y[s + 1:e + 1] = p * (cur + np.cumsum(g[s:e] / p))
        cur = float(y[e])
    return y


def held_runs(arrays: Arrays) -> np.ndarray:
    """Start index of each run of knots over which all the arrays hold their value."""
    change = np.zeros(arrays[0].size, dtype=bool)
    change[0] = True
    for a in arrays:
        change[1:] |= a[1:] != a[:-1]
    return np.flatnonzero(change)


def sorted_unique_ints(a: np.ndarray) -> np.ndarray:
    """Sorted unique integers; a bitmap when they are dense (much faster than sorting)."""
    if a.size == 0:
        return a
    lo, hi = int(a.min()), int(a.max())
    if hi - lo <= 64 * a.size:
        mark = np.zeros(hi - lo + 1, dtype=bool)
        mark[a - lo] = True
        return np.flatnonzero(mark) + lo
    return np.unique(a)


@dataclass(frozen=True)
class Located:
    """Times placed on the knots of their intervals (of `owner`): the intervals `ks`
    (sorted), and per time its interval k, the knot at or before it in that interval and
    the seconds since that knot."""
    owner: Windowed[Any]
    ks: np.ndarray
    k: np.ndarray
    j: np.ndarray
    dt: np.ndarray

    def take(self, field: str, offset: int = 0) -> np.ndarray:
        """A per-knot field of the intervals' stored states at each time's knot (+ offset)."""
        col, first = self.owner.column(self.ks, field)
        if self.ks.size == 1:
            return col[self.j + offset]
        return col[(self.k - first) * (self.owner.per + 1) + self.j + offset]


class Windowed(Generic[S]):
    """A state stepped over the checkpoint intervals that need it, cached per interval.

    `run(k, t0, arrays)` steps interval k from the drive's arrays on all its knots (the
    warm-up's and its own, starting at time t0) and returns what evaluation needs on its
    own knots k x interval ... (k + 1) x interval (both ends included). `quiet(a, b)`
    (optional): the state is known to be at rest on the knots from a to b (b excluded),
    so the interval is `rest(k)` without evaluating the drive; asked for all the missing
    intervals at once (a, b arrays; an array of bools back)."""

    def __init__(self, step: float, warmup: float, interval: float,
                 drive: Callable[[np.ndarray], Arrays],
                 run: Callable[[int, float, Arrays], S],
                 quiet: Quiet | None = None,
                 rest: Callable[[int], S] | None = None) -> None:
        self.step, self.warmup, self.interval = step, warmup, interval
        self.per = int(round(interval / step))
        if abs(self.per * step - interval) > 1e-9 * interval:
            raise ValueError(f"checkpoint interval {interval} s is not a whole number of "
                             f"{step} s knots")
        self.warm = int(math.ceil(warmup / step))
        self.span = self.warm + self.per + 1
        self._drive, self._run, self._quiet, self._rest = drive, run, quiet, rest
        self._cache: dict[int, S] = {}
        self._columns: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}

    def intervals_of(self, t: np.ndarray) -> np.ndarray:
        return np.floor(t / self.interval).astype(np.int64)

    def ensure(self, ks: np.ndarray) -> list[S]:
        """The stored states of intervals ks (sorted, unique), computing the missing ones
        with one evaluation of the drive on the union of their knots."""
        cache = self._cache
        todo = [int(k) for k in ks if int(k) not in cache]
        if todo and self._quiet is not None and self._rest is not None:
            kk = np.array(todo, dtype=np.float64)
            quiet = self._quiet(kk * self.interval - self.warm * self.step,
                                (kk + 1.0) * self.interval)
            for k, q in zip(todo, quiet.tolist()):
                if q:
                    cache[k] = self._rest(k)
            todo = [k for k, q in zip(todo, quiet.tolist()) if not q]
        if todo:
            self._compute(todo)
        return [cache[int(k)] for k in ks]

    def _compute(self, todo: list[int]) -> None:
        # Knot indices of each interval, merged into runs (neighbours overlap by the
        # warm-up) and evaluated once.
        lo = [k * self.per - self.warm for k in todo]
        runs: list[list[int]] = []
        for a in lo:
            b = a + self.span - 1
            if runs and a <= runs[-1][1] + 1:
                runs[-1][1] = max(runs[-1][1], b)
            else:
                runs.append([a, b])
        idx = np.concatenate([np.arange(a, b + 1, dtype=np.int64) for a, b in runs])
        arrays = self._drive(idx * self.step)
        for k, a in zip(todo, lo):
            pos = int(np.searchsorted(idx, a))
            part = tuple(x[pos:pos + self.span] for x in arrays)
            self._cache[k] = self._run(k, a * self.step, part)

    def column(self, ks: np.ndarray, field: str) -> tuple[np.ndarray, int]:
        """A field of the stored states of the intervals from `first` on, end to end (per +
        1 knots each), covering intervals ks (sorted, computed): (array, first). Kept
        per field and widened as intervals are added, so the reads of a whole course (a
        store is read by the others' drives and by the outputs) index one array."""
        k0, k1 = int(ks[0]), int(ks[-1])
        if k0 == k1:
            return getattr(self._cache[k0], field), k0
        got = self._columns.get(field)
        if got is not None:
            first, filled, col = got
            lo, hi = k0 - first, k1 - first
            if lo >= 0 and hi < filled.size and filled[ks - first].all():
                return col, first
            if lo <= filled.size and hi >= -1:  # overlapping or adjacent: widen
                k0, k1 = min(k0, first), max(k1, first + filled.size - 1)
        # Intervals in the range not computed (a read at two far times) read nothing.
        span = range(k0, k1 + 1)
        filled = np.array([k in self._cache for k in span])
        sample = getattr(self._cache[int(ks[0])], field)
        blank = np.zeros_like(sample)
        col = np.concatenate([getattr(self._cache[k], field) if f else blank
                              for k, f in zip(span, filled.tolist())])
        self._columns[field] = (k0, filled, col)
        return col, k0

    def locate(self, t: np.ndarray, last: int) -> Located:
        """Times t (float64 array) on their intervals' knots, the knot index clipped to
        0 ... last (per: the interval's last knot; per - 1 to read a knot and the next)."""
        k = self.intervals_of(t)
        ks = k.ravel()[:1] if k.size and k.min() == k.max() else sorted_unique_ints(k.ravel())
        self.ensure(ks)
        base = k * self.interval
        j = np.clip(np.floor((t - base) / self.step).astype(np.int64), 0, last)
        return Located(self, ks, k, j, t - (base + j * self.step))


# ------------------------------------------------------------------ first-order lags


@dataclass(frozen=True)
class LagKnots:
    """A lag on one interval's own knots: held drive u and time constant tau, and the
    state y_from at time t_from (the knot, or the start of the run of knots with the same
    drive it is in), so y(t) = u + (y_from - u) exp(-(t - t_from) / tau) from the knot at
    or before t; and (SwitchedLag) the state's closest approach to its watched level."""
    u: np.ndarray
    tau: np.ndarray
    y_from: np.ndarray
    t_from: np.ndarray
    closest: float = math.inf


def _lag_at(loc: Located, t: np.ndarray) -> np.ndarray:
    u = loc.take("u")
    y = loc.take("y_from")
    since = t - loc.take("t_from")
    return u + (y - u) * np.exp(-since / loc.take("tau"))


# Runs of held drive per knot below which a lag is stepped run by run, not knot by knot
# (the membrane gas phase: its settings change a few times a day).
_RUNS_PER_KNOT = 0.125


class Lag:
    """A first-order lag with its knot spacing, warm-up and checkpoint interval."""

    def __init__(self, name: str, step: float, warmup: float, interval: float,
                 drive: Drive) -> None:
        self.name = name
        self.windows: Windowed[LagKnots] = Windowed(step, warmup, interval, drive, self._run)

    def _run(self, k: int, t0: float, arrays: Arrays) -> LagKnots:
        u, tau = arrays
        tau = np.maximum(tau, 1e-3)
        w, step, n = self.windows.warm, self.windows.step, u.size
        knots = t0 + step * np.arange(n)
        starts = held_runs((u, tau))
        if starts.size > _RUNS_PER_KNOT * n:
            y = run_knots(u, tau, step, float(u[0]))
            return LagKnots(u[w:], tau[w:], y[w:], knots[w:])
        # Over a run of held drive the closed form spans the run: the state is stepped
        # from run to run, and read from its run's start.
        dur = np.diff(np.append(starts, n)) * step
        y = run_knots(u[starts], tau[starts], dur, float(u[0]))
        run_of = np.repeat(np.arange(starts.size), np.diff(np.append(starts, n)))[w:]
        return LagKnots(u[w:], tau[w:], y[run_of], knots[starts][run_of])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if t.size == 0:
            return np.empty(t.shape)
        return _lag_at(self.windows.locate(t, self.windows.per), t)


def run_switched(u1: np.ndarray, tau1: np.ndarray, u2: np.ndarray, tau2: np.ndarray,
                 threshold: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lag with two regimes: over each segment the state follows (u1, tau1) if it starts
    at or above `threshold`, else (u2, tau2) (a piecewise-linear system, e.g. O2
    consumption that becomes supply-dependent below a critical delivery). Starts in the
    steady state of the regime that holds at knot 0; returns (state, u, tau) at the knots,
    (u, tau) being the regime's, so the state between knots has the closed form.

    The regime depends on the state, so the knots are run one regime at a time: the
    current regime's recurrence over all the remaining knots as array operations
    (run_knots), kept up to the first knot where the state has crossed its threshold, and
    again from there in the other regime; most of a course never leaves the first."""
    n = u1.size
    y = np.empty(n)
    u = np.empty(n)
    tau = np.empty(n)
    if n == 0:
        return y, u, tau
    cur = float(u1[0]) if u1[0] >= threshold[0] else float(u2[0])
    s = 0
    for _ in range(_MAX_VECTOR_SWITCHES):
        first = cur >= threshold[s]
        ua, ta = (u1, tau1) if first else (u2, tau2)
        ys = run_knots(ua[s:], ta[s:], step, cur)
        th = threshold[s:]
        # The regime flips at the first knot the state starts on the other side.
        flip = np.flatnonzero((ys < th) if first else (ys >= th))
        e = n if flip.size == 0 else s + int(flip[0])
        y[s:e], u[s:e], tau[s:e] = ys[:e - s], ua[s:e], ta[s:e]
        if e == n:
            return y, u, tau
        cur, s = float(ys[e - s]), e
    # Chattering on the threshold: per knot for the rest.
    a1, a2, b1, b2, th_ = (x[s:].tolist() for x in (u1, u2, tau1, tau2, threshold))
    for i in range(n - s):
        y[s + i] = cur
        if cur >= th_[i]:
            uk, tk = a1[i], b1[i]
        else:
            uk, tk = a2[i], b2[i]
        u[s + i], tau[s + i] = uk, tk
        cur = uk + (cur - uk) * math.exp(-step / tk)
    return y, u, tau


class SwitchedLag:
    """A two-regime lag (run_switched) with knots, warm-up and checkpoint intervals as Lag;
    the warm-up starts in the steady state of the regime that holds there. The drive also
    gives a `watch` level per knot (e.g. the threshold); `closest(a, b)` tells how near the
    state came to it (state minus level, lowest), so a caller can tell the intervals where
    the second regime, or what the level stands for, was never near."""

    def __init__(self, name: str, step: float, warmup: float, interval: float,
                 drive: SwitchedDrive) -> None:
        self.name = name
        self.windows: Windowed[LagKnots] = Windowed(step, warmup, interval, drive, self._run)

    def _run(self, k: int, t0: float, arrays: Arrays) -> LagKnots:
        u1, t1, u2, t2, th, watch = arrays
        t1, t2 = np.maximum(t1, 1e-3), np.maximum(t2, 1e-3)
        y, u, tau = run_switched(u1, t1, u2, t2, th, self.windows.step)
        w = self.windows.warm
        gap = y[w:] - watch[w:]
        closest = float(np.min(gap)) if not np.isnan(gap).any() else -math.inf
        knots = t0 + self.windows.step * np.arange(w, u.size)
        return LagKnots(u[w:], tau[w:], y[w:], knots, closest)

    def closest(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per pair of times: lowest state minus watched level over the intervals holding
        the knots from a to b (b excluded); whole intervals, so never an overestimate."""
        w = self.windows
        first = np.floor(np.asarray(a) / w.interval).astype(np.int64)
        stop = np.ceil(np.asarray(b) / w.interval).astype(np.int64)
        if first.size == 0:
            return np.empty(0)
        ks = np.arange(int(first.min()), int(stop.max()))
        gaps = np.array([r.closest for r in w.ensure(ks)])
        lo = first - ks[0]
        return np.array([gaps[i:j].min() for i, j in zip(lo.tolist(), (stop - ks[0]).tolist())])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if t.size == 0:
            return np.empty(t.shape)
        return _lag_at(self.windows.locate(t, self.windows.per), t)
