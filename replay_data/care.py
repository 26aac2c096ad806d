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
  move back by `filled` litres of the hypovolaemia signature (VOLUME_SIGNATURE, the same
  per litre as the case's `hypotension` injection). Beyond the deficit only CVP rises
  (the plateau of the Frank-Starling curve: the heart is no longer preload-responsive).
  It runs in at INFUSION_ML_PER_MIN; its effects wear off over RECOVERY_S with the
  bleeding's own (the body's slow return to the case's course).
* a transfusion of n units of red cells: n x UNIT_ML of volume as above, and Hb up by
  HB_PER_UNIT_70KG x 70 / weight g/dL per unit (about 1 g/dL per unit in a 70 kg adult:
  AABB Technical Manual; Wiesen et al., Ann Intern Med 1994), each unit over
  UNIT_MINUTES.
* CPR, defibrillation, site pressure, adrenaline: their setting is recorded; what they do
  is the emergency's (an injection's `ended_by`, replay_data.rhythm for compressions).

Pure functions of the course at the time given, so a session replays exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .perturbations import Perturbation
from .scenario import Effect

CARE = "care"

# Effects on the model's inputs of one litre of blood volume lost (the case's
# `hypotension` injection at severity 1: about 1 L, assumed), reversed by a litre filled.
VOLUME_SIGNATURE: dict[str, float] = {
    "cardiac_output": -1.8, "abp_sys": -38.0, "abp_dia": -20.0, "cvp": -5.0, "hr": 24.0,
    "drainage_resistance": 0.6, "recirculation": 0.08,
}
# CVP rise per litre given beyond the deficit (a full circulation; assumed).
CVP_PER_LITRE_SURPLUS = 3.0
# A bolus under a pressure bag, about 500 mL in 5 min (assumed).
INFUSION_ML_PER_MIN = 100.0
# A unit of red cells: about 280-300 mL (AABB Technical Manual, 20th ed. 2020); given
# over 5 min in an emergency through a rapid infuser (assumed).
UNIT_ML = 300.0
UNIT_MINUTES = 5.0
HB_PER_UNIT_70KG = 1.0
DEFAULT_WEIGHT_KG = 70.0
# Given volume and bleeding both wear off over a day, back to the case's own course
# (assumed: a drill lasts minutes to an hour).
RECOVERY_S = 24 * 3600.0


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
    out = [Effect(channel="blood_volume_deficit", add=-ml, onset=onset, offset=RECOVERY_S)]
    for channel, per_litre in VOLUME_SIGNATURE.items():
        extra = CVP_PER_LITRE_SURPLUS * surplus if channel == "cvp" else 0.0
        if filled > 0 or extra > 0:
            out.append(Effect(channel=channel, add=-per_litre * filled + extra, onset=onset,
                              offset=RECOVERY_S))
    return out


def care_perturbation(course, control: str, value: float, t: float, pid: str) -> Perturbation:
    """The perturbation a care action logged at case time t makes (value checked by the
    caller, replay_data.controls.control_perturbation)."""
    effects = [Effect(channel=control, set=float(value))]
    duration: float | None = None
    if control == BOLUS and value > 0:
        duration = 60.0 * value / INFUSION_ML_PER_MIN
        effects += volume_effects(course, t, value, duration)
    elif control == TRANSFUSION and value > 0:
        duration = 60.0 * UNIT_MINUTES * value
        weight = course.scenario.patient.weight_kg or DEFAULT_WEIGHT_KG
        effects += volume_effects(course, t, UNIT_ML * value, duration)
        effects.append(Effect(channel="hb", add=HB_PER_UNIT_70KG * DEFAULT_WEIGHT_KG / weight
                              * value, onset=duration, offset=RECOVERY_S))
    # An event's effects ramp in over its infusion, then wear off over RECOVERY_S; a
    # switch (CPR, pressure) holds until the next setting.
    onset = 0.0 if duration is None else duration
    return Perturbation(pid, "control", control, float(t), duration, 1.0, onset,
                        RECOVERY_S if duration is not None else 0.0, (), tuple(effects))


def is_care(control: str) -> bool:
    return control.startswith(f"control.{CARE}.")


def given(course, control: str, t: np.ndarray) -> np.ndarray:
    """The last value of a care setting at times t (NaN before the first), e.g. CPR on."""
    v = np.full(np.shape(t), math.nan)
    for p, e in course.perturbation_index.controls_of(control):
        v = np.where(t >= p.start, e.set, v)
    return v
