"""CO2 on VV ECMO: membrane and native removal, PaCO2's time course, pH and EtCO2.

* Membrane removal = G_m x PvCO2 with gas-side and blood-side conductances in series,
  1/G_m = 1/(g x sweep) + 1/(b x Qeff): removal rises with sweep gas flow and levels off
  when blood flow limits it (Karagiannidis et al., ICMx 2019); coefficients fitted to the
  sweep titration anchors of Park et al. (Rev Bras Ter Intensiva 2016).
* Native removal = VA / 0.863 x PaCO2, VA = RR x (VT - VDaw) x (1 - f) (alveolar
  ventilation equation, airway dead space VDaw a volume, alveolar dead space a fraction f
  of the alveolar gas, from the scenario's VD/VT at its own VT).
* PvCO2 = PaCO2 + VCO2 / (CO x slope) (Fick for CO2, linearised content curve).
* CO2 store: K dPaCO2/dt = VCO2 - G_m PvCO2 - G_n PaCO2, a first-order lag towards
  u = (VCO2 - G_m dv) / (G_m + G_n) with tau = K / (G_m + G_n).
* pH = 6.1 + log10(HCO3 / (0.0307 PaCO2)), HCO3 = 24 + BE + 0.1 (PaCO2 - 40)
  (Henderson-Hasselbalch with acute CO2 buffering).
* EtCO2 = PaCO2 x (1 - f): the ventilated alveolar gas diluted by the gas of unperfused
  alveoli (alveolar dead space).
"""

from __future__ import annotations

import numpy as np

from .coefficients import AcidBase, Co2

# Largest PaCO2 the model reports (mmHg): beyond this the patient is long dead.
MAX_PACO2 = 200.0


def membrane_conductance(sweep: np.ndarray, effective_flow: np.ndarray, c: Co2) -> np.ndarray:
    """mL CO2/min per mmHg of PvCO2 (0 with no sweep or no blood flow)."""
    gas = c.gas_side * np.maximum(sweep, 0.0)
    blood = c.blood_side * np.maximum(effective_flow, 0.0)
    prod = gas * blood
    tot = gas + blood
    return np.divide(prod, tot, out=np.zeros_like(prod), where=tot > 0)


def alveolar_dead_space_fraction(dead_space_fraction: np.ndarray, own_tidal_volume: np.ndarray,
                                 c: Co2) -> np.ndarray:
    """Alveolar dead space as a fraction of the alveolar tidal volume VT - VDaw, from the
    physiological VD/VT stated at the scenario's own tidal volume VT0:
    f = (VD/VT x VT0 - VDaw) / (VT0 - VDaw). Bohr-Enghoff: VD = VDaw + f (VT - VDaw)."""
    vt0 = np.maximum(own_tidal_volume, c.airway_dead_space + 1.0)
    vd = np.clip(dead_space_fraction, 0.0, 1.0) * vt0
    return np.clip((vd - c.airway_dead_space) / (vt0 - c.airway_dead_space), 0.0, 0.98)


def alveolar_ventilation(rr: np.ndarray, tidal_volume_ml: np.ndarray,
                         alveolar_dead_space: np.ndarray, c: Co2) -> np.ndarray:
    """L/min: RR x (VT - VDaw) x (1 - f), the airway dead space a fixed volume (so a larger
    breath ventilates more than in proportion, a smaller one less)."""
    alveolar = np.maximum(tidal_volume_ml - c.airway_dead_space, 0.0)
    return (np.maximum(rr, 0.0) * alveolar / 1000.0
            * (1.0 - np.clip(alveolar_dead_space, 0.0, 1.0)))


def native_conductance(va: np.ndarray, c: Co2) -> np.ndarray:
    return va / c.alveolar_constant


def venous_arterial_difference(vco2: np.ndarray, cardiac_output: np.ndarray, c: Co2) -> np.ndarray:
    return vco2 / (np.maximum(cardiac_output, 0.3) * c.blood_co2_slope)


def paco2_drive(vco2: np.ndarray, cardiac_output: np.ndarray, g_membrane: np.ndarray,
                g_native: np.ndarray, c: Co2) -> tuple[np.ndarray, np.ndarray]:
    """(steady-state PaCO2 the store heads for, time constant in seconds)."""
    g = np.maximum(g_membrane + g_native, 0.05)
    dv = venous_arterial_difference(vco2, cardiac_output, c)
    target = (np.maximum(vco2, 0.0) - g_membrane * dv) / g
    return np.minimum(target, 4.0 * MAX_PACO2), 60.0 * c.store / g


def ph(paco2: np.ndarray, base_excess: np.ndarray, c: AcidBase) -> np.ndarray:
    p = np.maximum(paco2, 1.0)
    hco3 = np.maximum(c.standard_bicarbonate + base_excess + c.acute_buffering * (p - 40.0), 1.0)
    return c.pk + np.log10(hco3 / (c.co2_solubility * p))


def etco2(paco2: np.ndarray, alveolar_dead_space: np.ndarray) -> np.ndarray:
    """End-tidal = the alveolar plateau, perfused alveoli (at PaCO2) mixed with unperfused
    ones (no CO2): PetCO2 = PaCO2 x (1 - f). The airway dead space is exhaled first and
    does not dilute the plateau, so the size of the breath moves EtCO2 only through
    PaCO2 (Fletcher R et al., Br J Anaesth 1981; 53:77)."""
    return paco2 * (1.0 - np.clip(alveolar_dead_space, 0.0, 1.0))
