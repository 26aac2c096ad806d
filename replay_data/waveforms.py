"""Monitor waveforms: ECG II, pleth, arterial pressure, CVP, capnogram, airway pressure and
flow for any window -- the sample grid and the public API.

Like the numerics, a waveform is a pure function of (scenario, perturbations, seed, t):
`waveform(course, signal, t0, duration)` computes every sample from its own time and its
index on the signal's sample grid, so any window equals the same slice of a longer window,
and a window that starts anywhere has its R waves where a window that ran there had them.

Three modules, one job each: this one lays the sample grid (which samples a window holds,
in pieces to bound memory) and checks the request; replay_data.waveform_morphology shapes
each signal; replay_data.cycle_clocks keeps the beat and breath clocks the shapes follow.

"No signal" is NaN, for every waveform: ECG leads off, SpO2 probe off, no arterial or
central line, not intubated (no capnography), or outside the scenario. The strips draw
NaN as a gap, which is how a monitor shows a disconnected sensor (flat or dashed), and a
gap cannot be mistaken for asystole or a zero pressure.
"""

from __future__ import annotations

import math

import numpy as np

from . import ventilator
from .course import Course
from .cycle_clocks import Cycle, beats, breaths, clear_cache
from .errors import ReplayDataError
from .waveform_morphology import SYNTHS

# ------------------------------------------------------------------ sample grid

# One day of ECG is 21.6 M samples (350 MB of t and y); longer exports go in pieces.
MAX_WINDOW_S = 86400.0
# Windows are synthesised in pieces of this many samples to bound temporary memory.
_PIECE_SAMPLES = 1 << 16


def _first_index_at_or_after(t: float, rate: float) -> int:
    """Smallest integer n with n / rate >= t, judged with the same float division that
    makes the sample times, so adjacent windows [a, b) and [b, c) tile without gap or
    overlap."""
    n = math.ceil(t * rate)
    while n / rate < t:
        n += 1
    while (n - 1) / rate >= t:
        n -= 1
    return n


# ------------------------------------------------------------------ public API

def ventilator_samples(course: Course, n0: int, n1: int,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, paw, flow) for the samples n0 <= n < n1 of the paw / flow grid (t = n / rate):
    the samples `waveform(course, "paw" / "flow", ...)` give, computed together."""
    rate = course.catalogue.waveforms["paw"].rate
    n = np.arange(n0, max(n0, n1), dtype=np.int64)
    t = n / rate
    paw = np.full(t.shape, np.nan)
    flow = np.full(t.shape, np.nan)
    inside = (t >= course.scenario.start) & (t <= course.scenario.end)
    if inside.any():
        ti = t[inside]
        breath = breaths(course, ti)
        got = ventilator.airway(course, ti, breath.count, breath.rate)
        paw[inside], flow[inside] = got["paw"], got["flow"]
    return t, paw, flow


def ventilator_window(course: Course, t0: float, duration: float,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, paw, flow) for t0 <= t < t0 + duration (see ventilator_samples)."""
    rate = course.catalogue.waveforms["paw"].rate
    return ventilator_samples(course, _first_index_at_or_after(t0, rate),
                              _first_index_at_or_after(t0 + duration, rate))


def sample_range(course: Course, signal: str, t0: float, duration: float) -> tuple[int, int]:
    """Sample indices (n0, n1) of the window t0 <= t < t0 + duration on a signal's grid."""
    rate = course.catalogue.waveforms[signal].rate
    return (_first_index_at_or_after(t0, rate),
            _first_index_at_or_after(t0 + duration, rate))


def signals(course: Course) -> list[str]:
    """Waveforms this module draws that the course's catalogue describes, in catalogue order."""
    return [s for s in course.catalogue.waveforms if s in SYNTHS]


def waveform(course: Course, signal: str, t0: float, duration: float,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Samples (t, y) of `signal` for t0 <= t < t0 + duration, on the signal's grid t = n/rate.

    y is in the catalogue's unit (mV, mmHg, pleth 0..1) and NaN where there is no signal
    (sensor off or not connected, or outside the scenario)."""
    known = signals(course)
    if signal not in known:
        raise ReplayDataError(f"unknown waveform {signal!r} (known: {', '.join(known)})")
    t0, duration = float(t0), float(duration)
    if not (math.isfinite(t0) and math.isfinite(duration)):
        raise ReplayDataError(f"waveform {signal}: start and duration must be finite numbers")
    if duration < 0:
        raise ReplayDataError(f"waveform {signal}: duration {duration:g} s is negative")
    if duration > MAX_WINDOW_S:
        raise ReplayDataError(f"waveform {signal}: at most {MAX_WINDOW_S:.0f} s per window, "
                              f"asked for {duration:.0f} s")
    rate = course.catalogue.waveforms[signal].rate
    n0 = _first_index_at_or_after(t0, rate)
    n1 = max(n0, _first_index_at_or_after(t0 + duration, rate))
    n = np.arange(n0, n1, dtype=np.int64)
    t = n / rate
    y = np.full(t.shape, np.nan)
    sc = course.scenario
    i0 = int(np.searchsorted(t, sc.start, side="left"))
    i1 = int(np.searchsorted(t, sc.end, side="right"))
    synth = SYNTHS[signal]
    for a in range(i0, i1, _PIECE_SAMPLES):
        b = min(a + _PIECE_SAMPLES, i1)
        y[a:b] = synth(course, t[a:b], n[a:b])
    return t, y


__all__ = [
    "MAX_WINDOW_S",
    "Cycle",
    "beats",
    "breaths",
    "clear_cache",
    "sample_range",
    "signals",
    "ventilator_samples",
    "ventilator_window",
    "waveform",
]
