"""A clamped line with the pump turning: where the pressures go, and so where a team
finds the obstruction (docs/model.md, "Clamped lines"). P venous is read between the
drainage cannula and the pump, P int between the pump and the oxygenator, P art after the
oxygenator."""

from __future__ import annotations

import numpy as np
import pytest
from case_support import case_course

from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.physiology.circuit import shutoff_head
from replay_data.physiology.coefficients import load_coefficients

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0  # 3,200 rpm, 3.7 L/min
CIRCUIT = load_coefficients().circuit


def clamp(*controls: tuple[str, float]) -> Course:
    c = COURSE
    for n, (control, value) in enumerate(controls):
        p = control_perturbation(c, control, value, T0 + n, f"team-{n}")
        c = c.with_perturbations((*c.perturbations, p))
    return c


def truth(c: Course, t: float) -> dict[str, float]:
    out = c.model_outputs(np.array([t]))
    cvp = c.true_inputs(("cvp",), np.array([t]))["cvp"][0]
    return {"p_venous": float(out["p_venous"][0]), "p_int": float(out["p_int"][0]),
            "p_art": float(out["p_int"][0] - out["delta_p"][0]), "cvp": float(cvp)}


def test_the_shutoff_head_rises_with_rpm_squared():
    assert shutoff_head(3000.0, CIRCUIT) == pytest.approx(351, abs=1)
    assert shutoff_head(3200.0, CIRCUIT) == pytest.approx(399, abs=1)
    assert shutoff_head(1600.0, CIRCUIT) == pytest.approx(399 / 4, abs=1)


def test_a_clamped_drainage_line_pulls_p_venous_to_the_pumps_suction():
    c = clamp(("control.ecmo.clamp_drainage", 1))
    p = truth(c, T0 + 10)
    assert -300 <= p["p_venous"] <= -150  # far below the running -66
    # The return side is open to the patient with no flow: P int and P art at the CVP.
    assert p["p_int"] == pytest.approx(p["cvp"]) and p["p_art"] == pytest.approx(p["cvp"])
    assert c.pump_state(T0 + 10) == "CLAMPED"


def test_a_clamped_return_line_drives_p_int_and_p_art_to_the_shutoff_head():
    c = clamp(("control.ecmo.clamp_return", 1))
    p = truth(c, T0 + 10)
    assert 350 <= p["p_int"] <= 450 and p["p_art"] == pytest.approx(p["p_int"])
    assert p["p_venous"] == pytest.approx(p["cvp"])  # drainage side open, no flow
    # Slower pump, lower head (rpm squared): 2,000 rpm about 40 % of 3,200's.
    slow = clamp(("control.ecmo.clamp_return", 1), ("control.ecmo.rpm", 2000))
    head = truth(slow, T0 + 10)["p_int"] - p["cvp"]
    assert head == pytest.approx((p["p_int"] - p["cvp"]) * (2000 / 3200) ** 2, rel=1e-6)


def test_unclamped_and_stopped_circuits_keep_their_pressures():
    running = truth(COURSE, T0 + 10)
    assert -80 < running["p_venous"] < -50 and 180 < running["p_int"] < 260
    stopped = truth(clamp(("control.ecmo.clamp_return", 1), ("control.ecmo.pump", 0)), T0 + 10)
    assert stopped["p_venous"] == pytest.approx(stopped["cvp"])
    assert stopped["p_int"] == pytest.approx(stopped["cvp"])
    # Unclamping gives the running pressures back, within the flow's 0.3 s.
    again = truth(clamp(("control.ecmo.clamp_return", 1), ("control.ecmo.clamp_return", 0)),
                  T0 + 10)
    assert again == pytest.approx(running)


def test_the_clamp_is_seen_at_once_and_seeking_equals_playing():
    c = clamp(("control.ecmo.clamp_return", 1))
    tt = np.arange(T0 - 5, T0 + 5, 0.5)
    pint = c.numeric("p_int", tt)
    assert (pint[tt < T0] < 300).all() and (pint[tt >= T0 + 0.5] > 350).all()
    again = Course(c.scenario, c.seed, c.perturbations)
    assert np.array_equal(again.numeric("p_int", tt[::-1])[::-1], pint)
