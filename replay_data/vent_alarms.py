"""The ventilator's own alarms against the limits the clinicians set (the scenario's
[ventilator] table, scenario_data.VentilatorLimits).

A pressure-controlled breath is limited by the ventilator to PEEP + Pinsp, and clinicians
set the high-pressure limit above that peak (by default 10 cmH2O, assumed: a common
bedside practice), so in pressure control the alarm sounds only when the airway pressure
really exceeds the limit, never for the breath the settings ask for (it used to sound
throughout the pre-ECMO hours at Ppeak 43 against a fixed 35). A scenario may fix the
limit instead (`p_high_limit`). In volume control the peak follows the lung, and the limit
is `p_high_limit_vc`. Every limit is the scenario's (scenario_data.VentilatorLimits).
"""

from __future__ import annotations

import numpy as np

from .vent_settings import vent_settings

HIGH_PRESSURE, LOW_MINUTE_VOLUME, APNOEA = "HIGH PRESSURE", "LOW MINUTE VOLUME", "APNEA"


def high_pressure_limit(course, t: np.ndarray) -> np.ndarray:  # a Course
    """The high-pressure alarm limit (cmH2O) at times t (see the module docstring)."""
    tt = np.asarray(t, dtype=np.float64)
    limits = course.scenario.ventilator
    if limits.p_high_limit is not None:
        return np.full(tt.shape, limits.p_high_limit)
    s = vent_settings(course, tt)
    peep = course.true_inputs(("peep",), tt)["peep"]
    pc = peep + s["control.vent.pinsp"] + limits.p_high_margin
    return np.where(s["control.vent.mode"] >= 0.5, limits.p_high_limit_vc, pc)


def active(course, t: float, ppeak: float, mv: float, rr: float) -> list[str]:  # a Course
    """The ventilator alarms on at t for these numerics, in the console's order."""
    on = []
    if ppeak > float(high_pressure_limit(course, np.array([float(t)]))[0]):
        on.append(HIGH_PRESSURE)
    if mv < course.scenario.ventilator.mv_low_limit:
        on.append(LOW_MINUTE_VOLUME)
    if rr < course.scenario.ventilator.apnoea_rr:
        on.append(APNOEA)
    return on
