"""The bedside team's hands on the patient: care no console setting stands for.

A fluid bolus, a transfusion, chest compressions, a shock, a hand pressing on a bleeding
cannula site, adrenaline: the team does them at the bedside and the instructor logs each
from the console ("Team did ...", as on a commercial simulator's instructor station), on
the team's behalf. Each is a *control* perturbation of the `care` family
(`control.care.*`): the debrief scores it for the team and shows that the instructor
entered it (dashboard.debrief.scoring), never as the instructor's own override.

What each does to the model's inputs, from the time it is given (assumed figures, sources
beside them; docs/model.md "Care at the bedside"):

* a bolus of V mL (or the volume of a transfusion) fills the volume the disturbances
  took first: filled = min(V, D), D = blood_volume_deficit now minus the scenario's own.
  The deficit falls by V; cardiac output, pressures, CVP, heart rate and the drainage
  move back by `filled` litres of the hypovolaemia signature (the physiology
  catalogue's [care] section: the same per litre as the case's `hypotension`
  injection). Beyond the deficit only CVP rises (the plateau of the Frank-Starling
  curve: the heart is no longer preload-responsive).
  It runs in at infusion_ml_per_min; its effects wear off over recovery_s with the
  bleeding's own (the body's slow return to the case's course).
* a transfusion of n units of red cells: n x unit_ml of volume as above, and Hb up by
  hb_per_unit_70kg x 70 / weight g/dL per unit (about 1 g/dL per unit in a 70 kg adult:
  AABB Technical Manual; Wiesen et al., Ann Intern Med 1994), each unit over
  unit_minutes.
* CPR, defibrillation, site pressure, adrenaline: their setting is recorded; what they do
  is the emergency's (an injection's `ended_by`, replay_data.rhythm for compressions).

Pure functions of the course at the time given, so a session replays exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .perturbations import Perturbation
from .physiology.coefficients import load_coefficients
from .scenario import Effect

CARE = "care"

# The figures (volume signature, infusion and transfusion, how long they last) are the
# physiology catalogue's [care] section (resources/catalogue/physiology.toml).
_CARE = load_coefficients().care
# A patient without a weight in the scenario is taken as the catalogue's default adult.
_DEFAULT_WEIGHT_KG = load_coefficients().hypoxia.default_weight_kg


@dataclass(frozen=True)
class CareSpec:
    """A care action as the console offers it (joins replay_data.controls.CONTROLS)."""
    id: str
    label: str
    unit: str
    low: float
    high: float
    step: float


CARE_SPECS: tuple[CareSpec, ...] = (
    CareSpec("control.care.fluid_bolus", "Fluid bolus", "mL", 0, 2000, 250),
    CareSpec("control.care.transfusion", "Red cells transfused", "units", 0, 4, 1),
    CareSpec("control.care.cpr", "CPR", "", 0, 1, 1),
    CareSpec("control.care.defibrillation", "Defibrillation", "J", 0, 360, 10),
    CareSpec("control.care.site_pressure", "Pressure on the bleeding site", "", 0, 1, 1),
    CareSpec("control.care.adrenaline", "Adrenaline IV", "mg", 0, 5, 0.5),
)
BOLUS, TRANSFUSION = "control.care.fluid_bolus", "control.care.transfusion"
CPR, DEFIBRILLATION = "control.care.cpr", "control.care.defibrillation"
SITE_PRESSURE, ADRENALINE = "control.care.site_pressure", "control.care.adrenaline"


def disturbed_deficit(course, t: float) -> float:
    """mL of blood volume the disturbances (and the care before t) have taken at t,
    beyond the scenario's own deficit."""
    tt = np.array([float(t)])
    now = float(np.nan_to_num(course.true_inputs(("blood_volume_deficit",), tt)
                              ["blood_volume_deficit"][0]))
    own = float(np.nan_to_num(course.scenario_inputs(("blood_volume_deficit",), tt)
                              ["blood_volume_deficit"][0]))
    return max(0.0, now - own)


def volume_effects(course, t: float, ml: float, onset: float) -> list[Effect]:
    """`ml` of volume given from t over `onset` seconds (module docstring)."""
    filled = min(ml, disturbed_deficit(course, t)) / 1000.0
    surplus = max(0.0, ml / 1000.0 - filled)
    c = _CARE
    out = [Effect(channel="blood_volume_deficit", add=-ml, onset=onset, offset=c.recovery_s)]
    for channel, per_litre in c.volume_signature().items():
        extra = c.cvp_per_litre_surplus * surplus if channel == "cvp" else 0.0
        if filled > 0 or extra > 0:
            out.append(Effect(channel=channel, add=-per_litre * filled + extra, onset=onset,
                              offset=c.recovery_s))
    return out


def care_perturbation(course, control: str, value: float, t: float, pid: str) -> Perturbation:
    """The perturbation a care action logged at case time t makes (value checked by the
    caller, replay_data.controls.control_perturbation)."""
    effects = [Effect(channel=control, set=float(value))]
    duration: float | None = None
    c = _CARE
    if control == BOLUS and value > 0:
        duration = 60.0 * value / c.infusion_ml_per_min
        effects += volume_effects(course, t, value, duration)
    elif control == TRANSFUSION and value > 0:
        duration = 60.0 * c.unit_minutes * value
        weight = course.scenario.patient.weight_kg or _DEFAULT_WEIGHT_KG
        effects += volume_effects(course, t, c.unit_ml * value, duration)
        effects.append(Effect(channel="hb", add=c.hb_per_unit_70kg * c.hb_per_unit_weight_kg
                              / weight * value, onset=duration, offset=c.recovery_s))
    # An event's effects ramp in over its infusion, then wear off over recovery_s; a
    # switch (CPR, pressure) holds until the next setting.
    onset = 0.0 if duration is None else duration
    return Perturbation(pid, "control", control, float(t), duration, 1.0, onset,
                        c.recovery_s if duration is not None else 0.0, (), tuple(effects))


def is_care(control: str) -> bool:
    return control.startswith(f"control.{CARE}.")


def given(course, control: str, t: np.ndarray) -> np.ndarray:
    """The last value of a care setting at times t (NaN before the first), e.g. CPR on."""
    v = np.full(np.shape(t), math.nan)
    for p, e in course.perturbation_index.controls_of(control):
        v = np.where(t >= p.start, e.set, v)
    return v
