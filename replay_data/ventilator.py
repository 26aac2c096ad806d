"""The ventilator's numerics and waveforms from the single-compartment equation of motion.

    Paw(t) = V(t) / C + R x flow(t) + PEEP          (Bates, Lung Mechanics, 2009)

Pressure control: the ventilator holds Paw = PEEP + Pinsp through inspiration, so flow
decays as (Pinsp / R) exp(-t / RC) and V(t) = C Pinsp (1 - exp(-t / RC)). Assist
(volume) control: constant inspiratory flow Vt / Ti, so Paw rises linearly to the peak
PEEP + Vt / C + R Vt / Ti. Expiration is passive in both: V decays with the same RC, and
the airway pressure reads PEEP. The plateau (end-inspiratory pause) is PEEP + Vt / C, the
driving pressure Vt / C. Compliance, resistance and I:E are those of replay_data.controls
(a severe ARDS lung, assumed). The tidal volume is the course's (which the team's
settings and the scenario's injections set), so an endobronchial bleed that stiffens the
lung shows as a smaller Vt in pressure control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .controls import (
    COMPLIANCE,
    IE_RATIO,
    PBW_KG,
    RESISTANCE,
    inspiratory_time,
    settings_at,
)


@dataclass(frozen=True)
class VentNumerics:
    vt: float  # mL
    vt_per_kg: float  # mL/kg predicted body weight
    ppeak: float  # cmH2O
    pplat: float
    driving_pressure: float
    mv: float  # L/min
    rr: float
    peep: float
    mode: str  # "PC" | "AC"


def numerics(vt: float, rr: float, peep: float, pinsp: float, volume_mode: bool,
             c: float = COMPLIANCE, r: float = RESISTANCE) -> VentNumerics:
    dp = vt / c
    if volume_mode:
        ppeak = peep + dp + r * (vt / 1000.0) / inspiratory_time(rr)
    else:
        ppeak = peep + pinsp
    return VentNumerics(vt, vt / PBW_KG, ppeak, peep + dp, dp, vt * rr / 1000.0, rr, peep,
                        "AC" if volume_mode else "PC")


def waveforms(t: np.ndarray, n: VentNumerics, c: float = COMPLIANCE,
              r: float = RESISTANCE) -> tuple[np.ndarray, np.ndarray]:
    """(paw cmH2O, flow L/min) at case times t; breaths start at whole multiples of the
    breath period, so any window is a direct computation."""
    period = 60.0 / max(n.rr, 1.0)
    ti = period / (1.0 + IE_RATIO)
    tau = r * c / 1000.0
    phase = np.mod(t, period)
    insp = phase < ti
    te = phase - ti
    vt_l = n.vt / 1000.0
    if n.mode == "AC":
        q_in = vt_l / ti
        vol_in = q_in * phase
        flow_in = np.full(t.shape, q_in)
    else:
        # the volume reached is this breath's Vt: scale the exponential to it
        vol_in = vt_l * (1.0 - np.exp(-phase / tau)) / (1.0 - math.exp(-ti / tau))
        flow_in = vt_l / tau * np.exp(-phase / tau) / (1.0 - math.exp(-ti / tau))
    vol_ex = vt_l * np.exp(-np.maximum(te, 0.0) / tau)
    flow_ex = -vol_ex / tau
    flow = np.where(insp, flow_in, flow_ex)  # L/s
    paw = np.where(insp, n.peep + vol_in * 1000.0 / c + r * flow_in, n.peep)
    return paw, flow * 60.0


def at(course, t: float) -> VentNumerics | None:  # noqa: ANN001 - a replay_data Course
    """The ventilator's numerics at case time t (None: not on the ventilator)."""
    i = course.true_inputs(("tidal_volume", "rr", "peep"), np.array([float(t)]))
    vt, rr, peep = (float(i[k][0]) for k in ("tidal_volume", "rr", "peep"))
    if math.isnan(peep):
        return None
    s = settings_at(course, t)
    return numerics(vt, rr, peep, s["control.vent.pinsp"], s["control.vent.mode"] >= 0.5)
