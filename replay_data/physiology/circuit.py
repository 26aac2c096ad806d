"""ECMO circuit pressures from blood flow and resistances (no lag: pressures follow flow
within a beat).

    P venous (drainage, pre-pump) = CVP - k_drain x (a_d Q + b_d Q^2)
    P art (post-oxygenator)       = CVP + (a_r Q + b_r Q^2)          (return cannula)
    delta P (membrane)            = R_membrane x Q
    P int (pre-oxygenator)        = P art + delta P

The drainage drop levels off at the inlet's suction limit L, as a clamped inlet's does
(below): P venous = CVP - L tanh(drop / L), a sucking or collapsed vein never pulls the
inlet below about CVP - L (gas comes out of solution). At the running flows the two
differ by 1-2 mmHg.

A torn return line or a return cannula out (the `ecmo_spill` input, L/min): the pump
still drains and pushes its flow Q_pump = Q + Q_spill through the drainage cannula, the
pump and the membrane, but Q_spill leaves the circuit at the tear, open to the room at
about 0 mmHg, and only Q reaches the patient. The flow probe, between the pump and the
tear, reads Q_pump. P art is the returned share's pressure and the tear's in proportion
to the flows: P art = (Q / Q_pump) x (CVP + return drop(Q)) + (Q_spill / Q_pump) x 0;
delta P = R_membrane x Q_pump.

Cannula drops are linear plus quadratic in flow (laminar plus inertial losses). Their
coefficients are the scenario's cannulae's (cannula_drops): those of reference cannulae
in resources/catalogue/physiology.toml, scaled by size d as (d_ref / d)^4 for both terms
(Poiseuille for the laminar loss; the kinetic-energy loss rho v^2 / 2 with v ~ Q / d^2 for
the inertial one), a dual-lumen cannula's lumens as single-lumen cannulae of a fraction of
its size. k_drain (the `drainage_resistance` input, 1 = a free cannula) rises when the
vein collapses onto the drainage cannula (chatter, hypovolaemia). With no flow all
pressures equal the CVP (pump stopped).

A clamped line with the pump turning (clamped): no flow, but the pump still makes its
zero-flow head H0 = k rpm^2 across itself, and the open side of the pump sits at the CVP:

    drainage clamped: P venous = CVP - S(H0), S(H) = L tanh(H / L) (the suction between
                      clamp and pump, levelled off as gas comes out of solution);
                      P int = P art = CVP (open to the patient through the return cannula)
    return clamped:   P venous = CVP; P int = P art = CVP + H0 (no flow through the
                      membrane, so no delta P)
    both clamped:     P venous = CVP - S(H0), P int = P art = P venous + H0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario_data import Cannula
from ..scenario_data import Circuit as ScenarioCircuit
from .coefficients import Circuit


@dataclass(frozen=True)
class CannulaDrops:
    """mmHg per L/min (linear) and per (L/min)^2 (quadratic) of the two cannula drops."""
    drainage_linear: float
    drainage_quadratic: float
    return_linear: float
    return_quadratic: float


@dataclass(frozen=True)
class CircuitPressures:
    p_venous: np.ndarray
    p_int: np.ndarray
    delta_p: np.ndarray


def effective_size(cannula: Cannula, role: str, c: Circuit) -> float:
    """The French size of a single-lumen cannula that does `role` as this one does: its
    own, or a fraction of a dual-lumen cannula's (physiology.toml, assumed)."""
    if cannula.role != "dual_lumen":
        return cannula.size_fr
    share = c.dual_lumen_drainage_fraction if role == "drainage" else c.dual_lumen_return_fraction
    return cannula.size_fr * share


def _scaled(linear: float, quadratic: float, reference_fr: float, size_fr: float,
            c: Circuit) -> tuple[float, float]:
    ratio = reference_fr / size_fr
    return linear * ratio ** c.laminar_exponent, quadratic * ratio ** c.inertial_exponent


def cannula_drops(circuit: ScenarioCircuit | None, c: Circuit) -> CannulaDrops | None:
    """The drop coefficients of a scenario's drainage and return cannulae (None: no
    circuit). The reference sizes give the reference coefficients exactly."""
    if circuit is None:
        return None
    drainage, ret = circuit.cannula("drainage"), circuit.cannula("return")
    if drainage is None or ret is None:  # the scenario parser refuses such a circuit
        raise ValueError("a VV circuit needs a drainage and a return cannula")
    dl, dq = _scaled(c.drainage_linear, c.drainage_quadratic, c.drainage_reference_fr,
                     effective_size(drainage, "drainage", c), c)
    rl, rq = _scaled(c.return_linear, c.return_quadratic, c.return_reference_fr,
                     effective_size(ret, "return", c), c)
    return CannulaDrops(dl, dq, rl, rq)


def shutoff_head(rpm: np.ndarray | float, c: Circuit) -> np.ndarray:
    """mmHg the turning pump makes against a closed line (zero flow): k x rpm^2."""
    r = np.maximum(np.nan_to_num(np.asarray(rpm, dtype=np.float64)), 0.0)
    return c.shutoff_head_per_rpm2 * r * r


def clamped(p: CircuitPressures, cvp: np.ndarray, rpm: np.ndarray,
            drainage_clamped: np.ndarray, return_clamped: np.ndarray,
            c: Circuit) -> CircuitPressures:
    """The pressures `p` where a line is clamped with the pump turning at `rpm` (module
    docstring); unchanged elsewhere. A stopped pump (rpm 0) leaves every pressure at the
    CVP, as before."""
    dc, rc = np.asarray(drainage_clamped, bool), np.asarray(return_clamped, bool)
    if not (dc.any() or rc.any()):
        return p
    h = shutoff_head(rpm, c)
    lim = c.inlet_suction_limit
    suck = cvp - lim * np.tanh(h / lim)
    pv = np.where(dc, suck, np.where(rc, cvp, p.p_venous))
    pint = np.where(dc & rc, suck + h, np.where(rc, cvp + h, np.where(dc, cvp, p.p_int)))
    dp = np.where(dc | rc, 0.0, p.delta_p)
    return CircuitPressures(pv, pint, dp)


# The pressure at a torn return line: open to the room at about the bed's height.
TEAR_PRESSURE_MMHG = 0.0


def pump_flow(flow: np.ndarray, spill: np.ndarray) -> np.ndarray:
    """L/min through the pump (what the flow probe reads): the patient's return flow and
    what spills from a torn line (NaN with no circuit)."""
    return flow + np.maximum(np.nan_to_num(spill), 0.0)


def pressures(flow: np.ndarray, cvp: np.ndarray, membrane_resistance: np.ndarray,
              drainage_resistance: np.ndarray, d: CannulaDrops, c: Circuit,
              spill: np.ndarray | None = None) -> CircuitPressures:
    """`flow`: what returns to the patient; `spill`: what leaves at a tear (module
    docstring; None: no tear)."""
    q = np.maximum(flow, 0.0)
    qp = q if spill is None else pump_flow(q, spill)
    drain = np.maximum(drainage_resistance, 0.0) * (d.drainage_linear * qp
                                                    + d.drainage_quadratic * qp * qp)
    lim = c.inlet_suction_limit
    p_venous = cvp - lim * np.tanh(drain / lim)
    p_art = cvp + d.return_linear * q + d.return_quadratic * q * q
    if spill is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            returned = np.where(qp > 0.0, q / qp, 1.0)
        p_art = returned * p_art + (1.0 - returned) * TEAR_PRESSURE_MMHG
    dp = np.maximum(membrane_resistance, 0.0) * qp
    return CircuitPressures(p_venous, p_art + dp, dp)
