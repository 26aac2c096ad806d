"""The ventilator's settings at any times: the team's last one, else the scenario's.

The scenario gives rate and tidal volume (and, if it describes the lung, its compliance
and resistance); the knobs a scenario implies are derived from them: pressure control at
the Pinsp that gives the scenario's tidal volume in the scenario's lung (rounded as a knob
is), I:E 1:2. They are taken from the scenario's keyframes, not the disturbed course, so
that a disturbance of the lung does not move the knob.

Where the scenario describes the lung (keyframes `lung_compliance`, replay_data.lung),
its tidal-volume keyframes say when the team set Pinsp for that volume, in the lung as it
was then: the knob holds from one to the next and the volume follows the lung (a lung
that stiffens takes less at the same Pinsp). Where it does not, the knob follows the
scenario's tidal volume at every moment, which is then what the lung takes.
"""

from __future__ import annotations

import numpy as np

from .lung_mechanics import IE_RATIO, inspiratory_time, pinsp_for_volume

SETTINGS = ("control.vent.mode", "control.vent.pinsp", "control.vent.vt", "control.vent.rr",
            "control.vent.ie")
# The ventilator's modes by the value of control.vent.mode: (the short name every screen
# shows, the console's full name). One table, so the bedside strip and the ventilator
# console can never name different modes for the same breaths.
MODES = (("PC", "PC (pressure control)"), ("AC", "AC (volume assist control)"))
# Where the scenario gives no rate or tidal volume at all (assumed adult values; the
# gas-exchange model assumes the same, replay_data.physiology.model.INPUT_DEFAULTS).
DEFAULT_RR, DEFAULT_VT = 14.0, 450.0


def vent_settings(course, t: np.ndarray) -> dict[str, np.ndarray]:  # a Course
    """Mode (0 PC, 1 AC), Pinsp, Vt set, rate and I:E at times t (see module docstring).
    The set Vt the team has not chosen is the course's tidal volume as the scenario and
    its disturbances give it (replay_data.lung uses these settings to find the lung's)."""
    tt = np.asarray(t, dtype=np.float64)
    got = course.true_inputs(SETTINGS, tt)
    base = course.keyframed_inputs(("rr", "tidal_volume"), tt)
    scen = course.scenario_inputs(("rr", "tidal_volume", "lung_compliance",
                                   "airway_resistance"), _knob_times(course.scenario, tt))
    rr = np.where(np.isnan(base["rr"]), DEFAULT_RR, base["rr"])
    vt = np.where(np.isnan(base["tidal_volume"]), DEFAULT_VT, base["tidal_volume"])
    scen_rr = np.where(np.isnan(scen["rr"]), rr, scen["rr"])
    scen_vt = np.where(np.isnan(scen["tidal_volume"]), vt, scen["tidal_volume"])
    defaults = {
        "control.vent.mode": np.zeros(tt.shape),
        "control.vent.pinsp": np.round(pinsp_for_volume(
            scen_vt, inspiratory_time(scen_rr), scen["lung_compliance"],
            scen["airway_resistance"])),
        "control.vent.vt": vt,
        "control.vent.rr": rr,
        "control.vent.ie": np.full(tt.shape, IE_RATIO),
    }
    return {k: np.where(np.isnan(got[k]), defaults[k], got[k]) for k in SETTINGS}


def _knob_times(scenario, t: np.ndarray) -> np.ndarray:  # a Scenario
    """When the scenario's Pinsp in force at each t was set (module docstring): t itself,
    or where the scenario describes the lung, its last tidal-volume keyframe at or before
    t (t before the first)."""
    kf = scenario.numeric_keyframes.get("tidal_volume")
    if "lung_compliance" not in scenario.numeric_keyframes or kf is None:
        return t
    times = np.asarray(kf.times, dtype=np.float64)
    i = np.searchsorted(times, t, side="right") - 1
    return np.where(i >= 0, times[np.maximum(i, 0)], t)
