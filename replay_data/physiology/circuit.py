"""ECMO circuit pressures from blood flow and resistances (no lag: pressures follow flow
within a beat).

    P venous (drainage, pre-pump) = CVP - k_drain x (a_d Q + b_d Q^2)
    P art (post-oxygenator)       = CVP + (a_r Q + b_r Q^2)          (return cannula)
    delta P (membrane)            = R_membrane x Q
    P int (pre-oxygenator)        = P art + delta P

Cannula drops are linear plus quadratic in flow (laminar plus inertial losses), with
coefficients in resources/catalogue/physiology.toml. k_drain (the `drainage_resistance`
input, 1 = a free cannula) rises when the vein collapses onto the drainage cannula
(chatter, hypovolaemia). With no flow all pressures equal the CVP (pump stopped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .coefficients import Circuit


@dataclass(frozen=True)
class CircuitPressures:
    p_venous: np.ndarray
    p_int: np.ndarray
    delta_p: np.ndarray


def pressures(flow: np.ndarray, cvp: np.ndarray, membrane_resistance: np.ndarray,
              drainage_resistance: np.ndarray, c: Circuit) -> CircuitPressures:
    q = np.maximum(flow, 0.0)
    drain = np.maximum(drainage_resistance, 0.0) * (c.drainage_linear * q
                                                    + c.drainage_quadratic * q * q)
    ret = c.return_linear * q + c.return_quadratic * q * q
    dp = np.maximum(membrane_resistance, 0.0) * q
    return CircuitPressures(cvp - drain, cvp + ret + dp, dp)
