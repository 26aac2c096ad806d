"""The arrested heart's rhythm and what chest compressions give.

A `cardiac_arrest` injection (flag `cardiac_arrest`, and `vf` or `pea` by variant) stops
the heart's output; the hypoxic heart (physiology.hypoxia) may arrest too. While the
team compresses the chest (the care setting `control.care.cpr` on, replay_data.care)
during an arrest:

* the cardiac output the gas exchange sees is at least [cpr] output_fraction of the
  scenario's own (chest compressions give about 25-30 % of the normal output: Meaney et
  al., Circulation 2013; 128:417, the AHA consensus on CPR quality), so on VV-ECMO the
  oxygenated blood the circuit returns to the right heart moves again;
* the arterial line shows compression pulses at rate_per_min (100-120/min, AHA 2020
  and ERC 2021 guidelines) of systolic / diastolic mmHg (good-quality CPR: a
  diastolic pressure above 20-25 mmHg, Meaney 2013; assumed figures) and EtCO2 of
  etco2 mmHg (10-20 mmHg or more with good compressions).

The ECG (replay_data.waveform_morphology) draws ventricular fibrillation where `vf` is
raised (coarse, fining over vf_fine_tau_s: assumed) and a wide-complex, slow organised
rhythm without P waves for PEA (the `pea` flag, or the hypoxic heart's agonal rhythm).
A function of (scenario, perturbations, t): seeking and playing agree.
"""

from __future__ import annotations

import math

import numpy as np

from . import care
from .physiology.coefficients import load_coefficients

ARREST_FLAG, VF_FLAG, PEA_FLAG, CPR_FLAG = "cardiac_arrest", "vf", "pea", "cpr"
ASYSTOLE_FLAG = "asystole"
# The figures, with their sources: the physiology catalogue's [cpr] section
# (resources/catalogue/physiology.toml).
_CPR = load_coefficients().cpr
CPR_VALUES = {"abp_sys": _CPR.systolic, "abp_dia": _CPR.diastolic, "etco2": _CPR.etco2}


def _flag(course, name: str, t: np.ndarray) -> np.ndarray:
    return course.perturbation_index.flags(t).get(name, np.zeros(t.shape, bool))


def cpr_on(course, t: np.ndarray) -> np.ndarray:
    if not course.perturbation_index.controls_of(care.CPR):
        return np.zeros(np.shape(t), bool)
    return care.given(course, care.CPR, t) >= 0.5


def with_cpr_output(course, t: np.ndarray, co: np.ndarray) -> np.ndarray:
    """Cardiac output with compressions during an arrest injection (module docstring)."""
    on = cpr_on(course, t)
    if not on.any():
        return co
    on &= _flag(course, ARREST_FLAG, t)
    own = course.scenario_inputs(("cardiac_output",), t)["cardiac_output"]
    return np.where(on, np.maximum(co, _CPR.output_fraction * own), co)


def compressions(course, t: np.ndarray) -> np.ndarray:
    """Where the team compresses an arrested heart (an arrest injection's or the hypoxic
    heart's)."""
    on = cpr_on(course, t)
    if not on.any():
        return on
    return on & (_flag(course, ARREST_FLAG, t) | course.model.heart_state(t).arrested)


def with_compressions(course, channel: str, t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A displayed channel during compressions: the arterial pressures and EtCO2 they
    give, and the output (module docstring); other channels unchanged."""
    if channel == "cardiac_output":
        return with_cpr_output(course, t, v)
    if channel not in CPR_VALUES:
        return v
    on = compressions(course, t)
    if not on.any():
        return v
    return np.where(on & np.isfinite(v), CPR_VALUES[channel], v)


def asystole(course, t: np.ndarray, flags: dict[str, np.ndarray]) -> np.ndarray:
    """Where the ECG draws no beats and a monitor calls it asystole: the heart rate (the
    physiology's, which the beat clock follows) 0 now and [cpr] asystole_after_s before, not
    in VF (its own rhythm), the leads on (off, the monitor cannot tell). Looked for only
    where something can stop the heart: an arrest, or a disturbance of the rate."""
    none = np.zeros(t.shape, bool)
    if t.size == 0:
        return none
    arrest = flags.get(ARREST_FLAG)
    if (arrest is None or not arrest.any()) and not course.perturbation_index.touching(
            "hr", float(t.min()) - _CPR.asystole_after_s, float(t.max())):
        return none
    now = course.numeric("hr", t, measured=False)
    before = course.numeric("hr", t - _CPR.asystole_after_s, measured=False)
    flat = (now <= 0.0) & (before <= 0.0)
    for other in (VF_FLAG, "ecg_leads_off"):
        if other in flags:
            flat &= ~flags[other]
    return flat


def compression_pulse(t: np.ndarray) -> np.ndarray:
    """0..1: a half-sine push on each compression at [cpr] rate_per_min, duty cycle 50 %."""
    phase = np.mod(t * _CPR.rate_per_min / 60.0, 1.0)
    return np.where(phase < 0.5, np.sin(2.0 * math.pi * phase), 0.0)


def vf_since(course, t: np.ndarray) -> np.ndarray:
    """Seconds since the VF began at times t (NaN outside VF)."""
    out = np.full(t.shape, np.nan)
    on = _flag(course, VF_FLAG, t)
    if not on.any():
        return out
    for p in course.perturbation_index.with_flag(VF_FLAG):
        mine = on & (t >= p.start) & (t < p.end)
        out = np.where(mine, t - p.start, out)
    return out


def vf_amplitude(since: np.ndarray) -> np.ndarray:
    c = _CPR
    return c.vf_fine_mv + (c.vf_coarse_mv - c.vf_fine_mv) * np.exp(-since / c.vf_fine_tau_s)
