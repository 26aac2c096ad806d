"""Interpolation between a channel's keyframes.

"smooth" eases in and out of each keyframe (smoothstep), so values never overshoot
the clinician-set points; "step" holds a setting until the next change (ventilator,
pump and infusion settings change at once). NaN keyframes mean "not measured from
here": the value is NaN until the next numeric keyframe.
"""

from __future__ import annotations

import numpy as np

from .scenario import ChannelKeyframes


def interpolate(kf: ChannelKeyframes, t: np.ndarray, kind: str = "smooth") -> np.ndarray:
    times = np.asarray(kf.times, dtype=np.float64)
    values = np.asarray(kf.values, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    # Index of the last keyframe at or before t; -1 before the first keyframe.
    i = np.searchsorted(times, t, side="right") - 1
    out = np.full(t.shape, np.nan)
    has = i >= 0
    if not has.any():
        return out
    ii = i[has]
    v0 = values[ii]
    if kind == "step":
        out[has] = v0
        return out
    nxt = np.minimum(ii + 1, len(times) - 1)
    v1 = values[nxt]
    t0, t1 = times[ii], times[nxt]
    span = t1 - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(span > 0, (t[has] - t0) / np.where(span > 0, span, 1.0), 0.0)
    u = np.clip(u, 0.0, 1.0)
    s = u * u * (3.0 - 2.0 * u)
    # Towards a NaN keyframe (sensor removed) hold the last value; after the last
    # keyframe hold it too.
    blended = np.where(np.isnan(v1) | (nxt == ii), v0, v0 + (v1 - v0) * s)
    out[has] = blended
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
