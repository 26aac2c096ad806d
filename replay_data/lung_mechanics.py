"""The single-compartment lung's equations (Bates, Lung Mechanics, 2009), numbers only.

    Paw(t) = V(t) / C + R x flow(t) + PEEP

Pressure control holds Paw = PEEP + Pinsp through inspiration, so the lung fills with the
time constant RC: V(t) = C Pinsp (1 - exp(-t / RC)) and Vt = C Pinsp (1 - exp(-Ti / RC)),
Ti = 60 / rate / (1 + E) for I:E 1:E. C in mL/cmH2O, R in cmH2O/(L/s) (so RC / 1000 is in
seconds). Which C and R a course has is replay_data.lung's business; these take them as
arguments (floats or arrays).
"""

from __future__ import annotations

import math

import numpy as np

from .catalogue import load_catalogue

IE_RATIO = 2.0  # E / I: the default I:E 1:2 (a scenario gives none)


def inspiratory_time(rr, ie=IE_RATIO):  # floats or arrays
    """Ti in seconds: the breath period 60 / rate split as I:E 1:ie."""
    return 60.0 / np.maximum(rr, 1.0) / (1.0 + ie)


def pc_volume(pinsp, ti, c, r):  # floats or arrays
    """Pressure control: Vt = C Pinsp (1 - exp(-Ti / RC)), in mL."""
    return c * pinsp * (1.0 - np.exp(-ti * 1000.0 / (r * c)))


def default_resistance() -> float:
    """The airway resistance of a lung the scenario does not describe: the catalogue's
    default of the `airway_resistance` input."""
    d = load_catalogue().numerics["airway_resistance"].default
    if d is None:
        raise ValueError("the catalogue's airway_resistance needs a default")
    return d


def pc_tidal_volume(pinsp: float, rr: float, c: float, r: float | None = None, *,
                    ie: float = IE_RATIO) -> float:
    """pc_volume at a rate and I:E, in mL (r None: the catalogue's default resistance)."""
    r = default_resistance() if r is None else r
    return float(pc_volume(pinsp, float(inspiratory_time(rr, ie)), c, r))


# The compliance a pressure-controlled breath implies is found by bisection on a log scale
# between these bounds (mL/cmH2O); 30 halvings leave a relative error under 1e-8.
_C_BOUNDS, _C_ITERATIONS = (1.0, 300.0), 30


def pc_compliance(vt, pinsp, ti, r=None) -> np.ndarray:
    """The lung's compliance C that makes Vt = C Pinsp (1 - exp(-Ti / RC)): what a
    pressure-controlled breath of that Vt says of the lung (a bleed that stiffens it shows
    as a smaller C, and so a smaller Vt for the same Pinsp). Vectorised bisection; C grows
    with Vt at fixed Pinsp and Ti. r (float or array) None: the catalogue's default."""
    r = default_resistance() if r is None else r
    vt, pinsp, ti, r = np.broadcast_arrays(np.asarray(vt, float), np.asarray(pinsp, float),
                                           np.asarray(ti, float), np.asarray(r, float))
    target = vt / np.maximum(pinsp, 1e-6)
    lo = np.full(vt.shape, math.log(_C_BOUNDS[0]))
    hi = np.full(vt.shape, math.log(_C_BOUNDS[1]))
    k = ti * 1000.0 / r
    for _ in range(_C_ITERATIONS):
        mid = 0.5 * (lo + hi)
        c = np.exp(mid)
        short = c * (1.0 - np.exp(-k / c)) < target
        lo = np.where(short, mid, lo)
        hi = np.where(short, hi, mid)
    return np.exp(0.5 * (lo + hi))


def pinsp_for_volume(vt, ti, c, r):  # floats or arrays
    """The Pinsp that gives Vt in a lung of compliance c and resistance r."""
    return vt / np.maximum(c * (1.0 - np.exp(-ti * 1000.0 / (r * c))), 1e-6)
