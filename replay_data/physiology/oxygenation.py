"""Oxygen on VV ECMO: content, the dissociation curve, and the O2 mass balance.

Equations (coefficients in resources/catalogue/physiology.toml):

* content  C = 13.4 Hb S + 0.03 PO2   (mL O2 per L blood, Hb in g/dL)
* Severinghaus (J Appl Physiol 1979): S = 1 / (23400 / (x^3 + 150 x) + 1) on the virtual
  PO2 x = PO2 * 10^(0.024 (37 - T) + 0.40 (pH - 7.40) + 0.06 log10(40 / PCO2)), so fever,
  acidosis and hypercapnia shift the curve right.
* alveolar gas equation for the end-capillary blood of ventilated units.
* oxygenator: the membrane removes a fraction E of the blood's O2 deficit towards the gas
  side, E = (1 - exp(-k / Q)) x (1 - exp(-sweep / s0)) x membrane function, k from the
  rated flow (ISO 7199 definition: venous blood at 65 % leaves at 95 % at rated flow).
* VV ECMO mass balance (Spinelli and Bartlett, ASAIO J 2014; Messai et al., J Clin Monit
  Comput 2016), with recirculation R and effective flow Qeff = Q (1 - R):
      Cd    = R Cpost + (1 - R) Cv               drainage (pre-oxygenator) blood
      Cpost = (1 - E) Cd + E Cmax                oxygenator outlet
      Cpa   = f Cpost + (1 - f) Cv,  f = Qeff / CO   pulmonary artery
      Ca    = (1 - s) Cc + s Cpa                 native lung, shunt fraction s
      Cv    = Ca - VO2 / CO                      Fick, in the steady state
  All linear in the contents, so Ca = A + B Cv with A, B from the inputs, and the steady
  state has a closed form. With s = 1 it reduces to Spinelli and Bartlett's
  Ca = Cpost - ((1 - f) / f) VO2 / CO (with E = 1 and R = 0).

Away from the steady state the venous content is the state of the body's O2 store (see
replay_data.physiology.model): V dCv/dt = CO (Ca - Cv) - VO2, a first-order lag with
time constant V / (CO (1 - B)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .coefficients import Coefficients, Lung, Oxygen, Oxygenator


def virtual_factor(ph: np.ndarray, temp: np.ndarray, pco2: np.ndarray, c: Oxygen) -> np.ndarray:
    """Factor turning a measured PO2 into the virtual PO2 of the standard curve."""
    return 10.0 ** (c.t_coef * (37.0 - temp) + c.ph_coef * (ph - 7.40)
                    + c.co2_coef * np.log10(40.0 / np.maximum(pco2, 1.0)))


def saturation(x: np.ndarray, c: Oxygen) -> np.ndarray:
    """Severinghaus curve at virtual PO2 x (mmHg), as a fraction."""
    x = np.maximum(x, 0.0)
    g = x * x * x + c.severinghaus_b * x
    return g / (g + c.severinghaus_a)


def virtual_po2(s: np.ndarray, c: Oxygen) -> np.ndarray:
    """Inverse of `saturation`: the real root of x^3 + b x - a S/(1-S) = 0 (Cardano; one
    real root because b > 0)."""
    s = np.clip(s, 1e-9, 1.0 - 1e-12)
    q = c.severinghaus_a * s / (1.0 - s)
    p = c.severinghaus_b
    d = np.sqrt(q * q / 4.0 + p ** 3 / 27.0)
    return np.cbrt(q / 2.0 + d) + np.cbrt(q / 2.0 - d)


def content(po2: np.ndarray, hb: np.ndarray, factor: np.ndarray, c: Oxygen) -> np.ndarray:
    """O2 content (mL/L) of blood at PO2 with haemoglobin hb (g/dL)."""
    return c.hb_binding * hb * saturation(po2 * factor, c) + c.dissolved * po2


def po2_from_content(cont: np.ndarray, hb: np.ndarray, factor: np.ndarray, c: Oxygen,
                     iterations: int = 8) -> np.ndarray:
    """PO2 (mmHg) of blood holding `cont` mL O2 per L: Newton's method on content(P) =
    cont, which is monotonic, started from the bound-O2-only guess."""
    cap = c.hb_binding * hb
    cont = np.maximum(cont, 0.0)
    s0 = np.clip(cont / cap, 1e-6, 0.995)
    p = virtual_po2(s0, c) / factor
    # Above saturation the dissolved O2 carries the rest.
    p = np.maximum(p, (cont - cap) / c.dissolved)
    a, b = c.severinghaus_a, c.severinghaus_b
    for _ in range(iterations):
        x = p * factor
        g = x * x * x + b * x
        den = g + a
        f = cap * g / den + c.dissolved * p - cont
        slope = cap * factor * a * (3.0 * x * x + b) / (den * den) + c.dissolved
        p = np.maximum(p - f / slope, 0.0)
    return p


def alveolar_po2(fio2: np.ndarray, paco2: np.ndarray, lung: Lung) -> np.ndarray:
    """Alveolar gas equation; fio2 as a fraction."""
    rq = lung.respiratory_quotient
    return np.maximum(fio2 * (lung.barometric - lung.water_vapour)
                      - paco2 / rq * (1.0 - fio2 * (1.0 - rq)), 0.0)


def oxygenator_efficiency(flow: np.ndarray, membrane_function: np.ndarray,
                          c: Oxygenator) -> np.ndarray:
    """Fraction of the blood's O2 deficit towards the gas phase that the membrane removes.
    The sweep no longer enters here: it sets the gas phase's PO2 (gas_phase_po2), which
    the blood approaches. With no blood flow the standing blood equilibrates fully (E =
    membrane function): a stopped, ventilated oxygenator holds hyperoxic blood."""
    k = c.rated_flow * math.log(1.0 / (1.0 - c.rated_efficiency))
    q = np.maximum(flow, 1e-6)
    by_flow = -np.expm1(-k / q)
    return by_flow * np.clip(membrane_function, 0.0, 1.0)


def fresh_gas_po2(fdo2: np.ndarray, c: Oxygenator, lung: Lung) -> np.ndarray:
    """PO2 the blood approaches at the outlet with the gas phase fully refreshed."""
    return c.outlet_fraction * fdo2 * (lung.barometric - lung.water_vapour)


def gas_phase_po2(fdo2: np.ndarray, sweep: np.ndarray, c: Oxygenator, lung: Lung) -> np.ndarray:
    """Steady-state PO2 of the membrane's gas phase: the fresh gas's at ample sweep, heading
    for a venous value (gas_floor_po2) as the sweep stops (1 - exp(-sweep / scale))."""
    fresh = fresh_gas_po2(fdo2, c, lung)
    by_sweep = -np.expm1(-np.maximum(sweep, 0.0) / c.sweep_o2_scale)
    floor = np.minimum(c.gas_floor_po2, fresh)
    return floor + by_sweep * (fresh - floor)


def gas_phase_time_constant(sweep: np.ndarray, flow: np.ndarray, c: Oxygenator,
                            longest: float) -> np.ndarray:
    """Seconds: Vg dg/dt = sweep (u - g) - Q s g / 1000 gives tau = 60 / (sweep / Vg +
    Q s / (1000 Vg)); capped at `longest` (no sweep and no flow: the gas stands)."""
    rate = (np.maximum(sweep, 0.0) / c.gas_phase_volume
            + np.maximum(flow, 0.0) * c.o2_uptake_slope / (1000.0 * c.gas_phase_volume))
    return np.minimum(60.0 / np.maximum(rate, 1e-9), longest)


@dataclass(frozen=True)
class OxygenBalance:
    """The linear O2 mass balance at given inputs: Ca = a0 + b * Cv, Cpost = alpha Cv +
    beta, and the drainage mix; `extraction` = VO2 / CO (mL/L)."""
    a0: np.ndarray
    b: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    recirculation: np.ndarray
    extraction: np.ndarray

    def arterial(self, cv: np.ndarray) -> np.ndarray:
        return self.a0 + self.b * cv

    def post_oxygenator(self, cv: np.ndarray) -> np.ndarray:
        return self.alpha * cv + self.beta

    def drainage(self, cv: np.ndarray) -> np.ndarray:
        r = self.recirculation
        return r * self.post_oxygenator(cv) + (1.0 - r) * cv

    def venous_steady_state(self) -> np.ndarray:
        """Cv where V dCv/dt = CO (Ca - Cv) - VO2 is zero (may be below 0: no steady state
        with oxygen left; the store then empties)."""
        return (self.a0 - self.extraction) / (1.0 - self.b)

    def venous_time_constant(self, cardiac_output: np.ndarray, volume_l: float) -> np.ndarray:
        """Seconds: V / (CO (1 - B))."""
        return 60.0 * volume_l / (np.maximum(cardiac_output, 0.3) * (1.0 - self.b))


# Largest B used: with no gas exchange at all (total shunt, no ECMO) the store empties at
# VO2 with no steady state; keeping B below 1 keeps the lag finite and the fall linear.
_MAX_B = 0.995


def balance(*, shunt: np.ndarray, flow: np.ndarray, recirculation: np.ndarray,
            cardiac_output: np.ndarray, vo2: np.ndarray, hb: np.ndarray, fio2: np.ndarray,
            fdo2: np.ndarray, sweep: np.ndarray, membrane_function: np.ndarray,
            paco2: np.ndarray, factor: np.ndarray, coef: Coefficients,
            gas_po2: np.ndarray | None = None) -> OxygenBalance:
    """fio2, fdo2, shunt, recirculation as fractions; flows in L/min; vo2 in mL/min.
    `gas_po2`: the membrane gas phase's PO2 (the gas-phase lag); None: its steady state."""
    ox, lung = coef.oxygen, coef.lung
    s = np.clip(shunt, 0.0, 1.0)
    q = np.maximum(flow, 0.0)
    # No flow, no recirculation: the drainage line holds venous blood.
    r = np.where(q > 0, np.clip(recirculation, 0.0, 0.95), 0.0)
    co = np.maximum(cardiac_output, 0.3)
    cc = content(alveolar_po2(fio2, paco2, lung), hb, factor, ox)
    og = coef.oxygenator
    if gas_po2 is None:
        gas_po2 = gas_phase_po2(fdo2, sweep, og, lung)
    cmax = content(gas_po2, hb, factor, ox)
    # The blood leaves in equilibrium with the gas phase while it holds O2; as the gas
    # nears its floor (no sweep, washed out) the transfer fades out, so a membrane with no
    # sweep gives the blood nothing (and takes nothing from it).
    fresh = fresh_gas_po2(fdo2, og, lung)
    floor = np.minimum(og.gas_floor_po2, fresh)
    w = np.clip((gas_po2 - floor) / np.maximum(fresh - floor, 1e-6) / og.gas_fade_fraction,
                0.0, 1.0)
    e = oxygenator_efficiency(q, membrane_function, og) * w
    den = 1.0 - (1.0 - e) * r
    alpha = (1.0 - e) * (1.0 - r) / den
    beta = e * cmax / den
    f = np.minimum(q * (1.0 - r) / co, 1.0)
    b = np.minimum(s * (1.0 - f * (1.0 - alpha)), _MAX_B)
    a0 = (1.0 - s) * cc + s * f * beta
    return OxygenBalance(a0, b, alpha, beta, r, np.maximum(vo2, 0.0) / co)
