"""Interpolation between a channel's keyframes.

"smooth" eases in and out of each keyframe (smoothstep), so values never overshoot
the clinician-set points; "step" holds a setting until the next change (ventilator,
pump and infusion settings change at once). NaN keyframes mean "not measured from
here": the value is NaN until the next numeric keyframe.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .scenario import ChannelKeyframes


@lru_cache(maxsize=1024)
def _segments(kf: ChannelKeyframes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per keyframe: time, value, rise to the next keyframe, 1 / span (0 for the last or a
    zero-length span). Towards a NaN keyframe (sensor removed) the value holds."""
    times = np.asarray(kf.times, dtype=np.float64)
    values = np.asarray(kf.values, dtype=np.float64)
    nxt = np.append(values[1:], np.nan)
    rise = np.where(np.isnan(nxt), 0.0, nxt - values)
    span = np.append(np.diff(times), 0.0)
    inv = np.divide(1.0, span, out=np.zeros_like(span), where=span > 0)
    return times, values, rise, inv


def interpolate(kf: ChannelKeyframes, t: np.ndarray, kind: str = "smooth") -> np.ndarray:
    times, values, rise, inv = _segments(kf)
    t = np.asarray(t, dtype=np.float64)
    if t.ndim == 1 and t.size > 8 * times.size + 64 and bool((t[1:] >= t[:-1]).all()):
        return _interpolate_ascending(times, values, rise, inv, t, kind)
    # Index of the last keyframe at or before t; -1 before the first keyframe.
    i = np.searchsorted(times, t, side="right") - 1
    before = i < 0
    np.maximum(i, 0, out=i)
    v0 = values[i]
    if kind == "step":
        out = v0
    else:
        u = (t - times[i]) * inv[i]
        np.clip(u, 0.0, 1.0, out=u)
        # smoothstep u^2 (3 - 2u): eases in and out of each keyframe.
        out = v0 + rise[i] * (u * u * (3.0 - 2.0 * u))
    if before.any():
        out = np.where(before, np.nan, out)
    return out


def _interpolate_ascending(times: np.ndarray, values: np.ndarray, rise: np.ndarray,
                           inv: np.ndarray, t: np.ndarray, kind: str) -> np.ndarray:
    """interpolate() for many times in ascending order (a store's knots, a trend grid):
    each keyframe's segment is a slice of t, computed with the same operations on its
    scalars (the same values, bit for bit) and filled where the segment holds."""
    out = np.empty(t.size)
    # First time at or after each keyframe: segment i spans edges[i] ... edges[i + 1].
    edges = np.append(np.searchsorted(t, times, side="left"), t.size)
    out[:edges[0]] = np.nan
    for i in range(times.size):
        a, b = int(edges[i]), int(edges[i + 1])
        if a == b:
            continue
        if kind == "step" or rise[i] == 0.0:
            out[a:b] = values[i]
            continue
        u = (t[a:b] - times[i]) * inv[i]
        np.clip(u, 0.0, 1.0, out=u)
        out[a:b] = values[i] + rise[i] * (u * u * (3.0 - 2.0 * u))
    return out


def step_text(points: tuple[tuple[float, str], ...], t: float) -> str:
    """The text mode (ventilator mode, ECMO mode) in force at t."""
    current = points[0][1] if points else ""
    for pt, text in points:
        if pt <= t:
            current = text
        else:
            break
    return current


def node_sum(kf: ChannelKeyframes, start: float, n: int, step: float,
             kind: str = "smooth") -> float:
    """sum(interpolate(kf, start + j * step) for j in range(n)) in closed form: within a
    segment the nodes are evenly spaced, so the smoothstep's sum is a sum of powers.
    NaN if any node is NaN (before the first keyframe, or not measured)."""
    times, values, rise, inv = _segments(kf)
    end = start + (n - 1) * step
    if n <= 0:
        return 0.0
    if start < times[0]:
        return math.nan
    first = int(np.searchsorted(times, start, side="right")) - 1
    last = int(np.searchsorted(times, end, side="right")) - 1
    total = 0.0
    for i in range(first, last + 1):
        ja = 0 if i == first else math.ceil((times[i] - start) / step)
        jb = n - 1 if i == last else math.ceil((times[i + 1] - start) / step) - 1
        m = jb - ja + 1
        if m <= 0:
            continue
        v0 = values[i]
        if math.isnan(v0):
            return math.nan
        total += m * v0
        if kind == "step" or rise[i] == 0.0 or inv[i] == 0.0:
            continue
        a = (start + ja * step - times[i]) * inv[i]
        b = step * inv[i]
        s1 = m * (m - 1) / 2.0
        s2 = (m - 1) * m * (2 * m - 1) / 6.0
        s3 = s1 * s1
        su2 = m * a * a + 2 * a * b * s1 + b * b * s2
        su3 = m * a ** 3 + 3 * a * a * b * s1 + 3 * a * b * b * s2 + b ** 3 * s3
        total += rise[i] * (3.0 * su2 - 2.0 * su3)
    return float(total)
