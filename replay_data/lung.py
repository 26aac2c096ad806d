"""The patient's lung on the ventilator: which tidal volume it takes, from which mechanics.

The lung is a single compartment (replay_data.lung_mechanics) with the input channels
`lung_compliance` C (mL/cmH2O) and `airway_resistance` R (cmH2O/L/s): keyframed by the
scenario, else the catalogue's defaults (a severe-ARDS lung, C 18, R 15), changed by
disturbances like any input. The tidal volume the course has (what the gas-exchange model
ventilates with, the ventilator shows, the capnogram breathes) then depends on what the
scenario describes:

* The scenario keyframes `lung_compliance` (the lung is data). In pressure control the
  tidal volume follows from the lung: Vt = C Pinsp (1 - exp(-Ti / RC)), with C and R as
  they are at that moment (a keyframed stiffening, or an injection's) and Pinsp the
  team's setting, else the scenario's (vent_settings: set at each of the scenario's
  tidal-volume keyframes for that volume in the lung as it was then, and held until the
  next, so a lung that stiffens takes less). Disturbances of `tidal_volume` itself (a bleed
  blocking airways) layer on that volume; the team's settings act through Pinsp, rate and
  I:E. In volume control, off the ventilator and for a spontaneous breath the tidal volume
  is the scenario's (and the team's set Vt).
* It does not (the lung is what the tidal volume says). The scenario's tidal volume is
  what the lung takes, as it always was: in pressure control the compliance is the one
  that gives it at the Pinsp (pc_compliance). A disturbance of `lung_compliance` or
  `airway_resistance` changes that lung by the factor it changes the channel (C x
  C_disturbed / C_undisturbed, R disturbed) and the pressure-controlled volume follows;
  where none acts the tidal volume is the scenario's, value for value.

Either way nothing at t depends on anything after t, and values stay a pure function of
(scenario, perturbations, seed, t).
"""

from __future__ import annotations

import numpy as np

from .lung_mechanics import inspiratory_time, pc_compliance, pc_volume
from .vent_settings import vent_settings

TIDAL_VOLUME = "tidal_volume"
COMPLIANCE, RESISTANCE = "lung_compliance", "airway_resistance"
MECHANICS = (COMPLIANCE, RESISTANCE)


def lung_is_data(scenario) -> bool:  # a Scenario
    """The scenario describes the lung: its compliance sets the pressure-controlled Vt."""
    return COMPLIANCE in scenario.numeric_keyframes


def _mechanics_disturbed(course, t: np.ndarray) -> bool:
    """A disturbance acts on the lung's mechanics somewhere within the times t."""
    if t.size == 0:
        return False
    lo, hi = float(t.min()), float(t.max())
    return any(course.perturbation_index.touching(ch, lo, hi) for ch in MECHANICS)


def _breath(course, t: np.ndarray) -> dict[str, np.ndarray]:
    """What the next breath at each t is made of: settings, rate, Ti, mechanics."""
    s = vent_settings(course, t)
    i = course.keyframed_inputs(("rr", "peep", *MECHANICS), t)
    rr = np.where(np.isnan(i["rr"]), s["control.vent.rr"], i["rr"])
    return {"pinsp": s["control.vent.pinsp"], "ti": inspiratory_time(rr, s["control.vent.ie"]),
            "pc": (s["control.vent.mode"] < 0.5) & np.isfinite(i["peep"]),
            "c": i[COMPLIANCE], "r": i[RESISTANCE]}


def tidal_volume(course, t: np.ndarray) -> np.ndarray:  # a Course
    """The course's tidal volume (mL) at times t (module docstring)."""
    tt = np.asarray(t, dtype=np.float64)
    raw = course.keyframed_inputs((TIDAL_VOLUME,), tt)[TIDAL_VOLUME]
    data = lung_is_data(course.scenario)
    if not data and not _mechanics_disturbed(course, tt):
        return raw
    b = _breath(course, tt)
    if data:
        lung = pc_volume(b["pinsp"], b["ti"], b["c"], b["r"])
        # Injections and overrides of the volume itself; the team's settings are in Pinsp.
        lung = course.disturbance_index.apply(TIDAL_VOLUME, tt, lung, False)
    else:
        c0, r0 = (course.scenario_inputs(MECHANICS, tt)[ch] for ch in MECHANICS)
        implied = pc_compliance(np.nan_to_num(raw), b["pinsp"], b["ti"], r0)
        lung = pc_volume(b["pinsp"], b["ti"], implied * b["c"] / c0, b["r"])
        lung = np.where((b["c"] != c0) | (b["r"] != r0), lung, raw)
    return np.where(b["pc"], lung, raw)


def compliance(course, t: float) -> float:  # a Course
    """The lung's compliance at t as the next breath finds it (mL/cmH2O): the channel in
    volume control or off the ventilator, else what the pressure-controlled breath of the
    course's tidal volume implies (the channel itself when the lung is data and nothing
    disturbs the volume)."""
    tt = np.array([float(t)])
    b = _breath(course, tt)
    vt = tidal_volume(course, tt)
    if not b["pc"][0] or not np.isfinite(vt[0]):
        return float(b["c"][0])
    return float(pc_compliance(vt, b["pinsp"], b["ti"], b["r"])[0])


def setting_lung(course, t: float) -> tuple[float, float]:  # a Course
    """(C, R) a new pressure-control setting made at t is computed against, for the tidal
    volume the setting records. Where the lung is data that is the lung as it is (the
    course recomputes the volume from it anyway). Where the tidal volume says what the lung
    is, it is the lung the scenario's volume implies without the mechanics' disturbances,
    which tidal_volume then applies on top (applying them here too would count them
    twice)."""
    tt = np.array([float(t)])
    b = _breath(course, tt)
    if lung_is_data(course.scenario):
        return float(b["c"][0]), float(b["r"][0])
    r0 = course.scenario_inputs((RESISTANCE,), tt)[RESISTANCE]
    raw = course.keyframed_inputs((TIDAL_VOLUME,), tt)[TIDAL_VOLUME]
    if not b["pc"][0] or not np.isfinite(raw[0]):
        c0 = course.scenario_inputs((COMPLIANCE,), tt)[COMPLIANCE]
        return float(c0[0]), float(r0[0])
    return float(pc_compliance(raw, b["pinsp"], b["ti"], r0)[0]), float(r0[0])
