"""Interpolation between a channel's keyframes.

"smooth" eases in and out of each keyframe (smoothstep), so values never overshoot
the clinician-set points; "step" holds a setting until the next change (ventilator,
pump and infusion settings change at once). NaN keyframes mean "not measured from
here": the value is NaN until the next numeric keyframe.
"""

from __future__ import annotations

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


def step_text(points: tuple[tuple[float, str], ...], t: float) -> str:
    """The text mode (ventilator mode, ECMO mode) in force at t."""
    current = points[0][1] if points else ""
    for pt, text in points:
        if pt <= t:
            current = text
        else:
            break
    return current
