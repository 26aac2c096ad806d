"""All-or-nothing circuit emergencies (pump stop, air in the circuit) last until the team's
corrective action ends them, or the instructor stops them: never on a timer (the issue
"ECMO emergencies a team can train on"). Data level: a course and its perturbations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from case_support import case_course

from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection, override
from replay_data.physiology import circuit

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0


def flow(course: Course, t: float) -> float:
    return float(course.true_inputs(("ecmo_flow",), np.array([t]))["ecmo_flow"][0])


def hr(course: Course, t: float) -> float:
    return float(course.true_inputs(("hr",), np.array([t]))["hr"][0])


def act(course: Course, control: str, value: float, t: float, n: int) -> Course:
    """The team's setting at t (made on the course as it is then), added to it."""
    p = control_perturbation(course, control, value, t, f"team-{n}")
    return course.with_perturbations((*course.perturbations, p))


def test_emergencies_default_to_until_stopped():
    for name in ("pump_stop", "air_in_circuit"):
        assert COURSE.scenario.injections[name].default_duration is None
        assert injection(COURSE.scenario, name, T0).end == math.inf
    # Graded disturbances keep their durations.
    assert COURSE.scenario.injections["drainage_chatter"].default_duration == 240.0


def test_a_pump_stop_with_no_action_still_has_no_flow_at_10_min():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "pump_stop", T0),))
    assert flow(c, T0 + 5) == 0.0
    assert flow(c, T0 + 600) == 0.0 and flow(c, T0 + 3600) == 0.0
    assert c.pump_state(T0 + 600) == "STOPPED"


def test_the_teams_restart_ends_the_pump_stop_within_seconds():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "pump_stop", T0, pid="ps"),))
    c = act(c, "control.ecmo.clamp_drainage", 1, T0 + 10, 1)
    c = act(c, "control.ecmo.clamp_return", 1, T0 + 12, 2)
    c = act(c, "control.ecmo.pump", 1, T0 + 30, 3)
    assert flow(c, T0 + 35) == 0.0  # turning against clamped lines: no flow yet
    c = act(c, "control.ecmo.clamp_return", 0, T0 + 40, 4)
    c = act(c, "control.ecmo.clamp_drainage", 0, T0 + 42, 5)
    assert flow(c, T0 + 41) == 0.0
    assert flow(c, T0 + 45) == c.scenario.circuit.pump.flow(3200)  # within 3 s
    assert c.pump_state(T0 + 45) == "running"
    # The emergency is over from the restart: its heart-rate rise wears off over minutes.
    base = hr(COURSE, T0 + 900)
    assert hr(c, T0 + 40) > hr(COURSE, T0 + 40) + 5  # rising (onset 90 s)
    assert abs(hr(c, T0 + 900) - base) < 1e-9
    # Seeking equals playing: a fresh course from the same perturbations agrees.
    again = Course(c.scenario, c.seed, c.perturbations)
    tt = np.arange(T0, T0 + 120, 3.0)
    assert np.array_equal(again.true_inputs(("ecmo_flow", "hr"), tt)["hr"],
                          c.true_inputs(("ecmo_flow", "hr"), tt)["hr"])


def test_a_hand_crank_restores_flow_too():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "pump_stop", T0),))
    c = act(c, "control.ecmo.hand_crank", 2800, T0 + 20, 1)
    assert flow(c, T0 + 25) == c.scenario.circuit.pump.flow(2800)
    assert flow(c, T0 + 900) == c.scenario.circuit.pump.flow(2800)


def test_a_setting_made_before_a_scheduled_pump_stop_does_not_cancel_it():
    drill = Course.load("pump_stop_day2")
    stop = next(s.t for s in drill.scenario.scheduled if s.injection == "pump_stop")
    c = act(drill, "control.ecmo.sweep_flow", 4.0, stop - 60, 1)
    assert flow(c, stop - 5) > 3.0
    assert flow(c, stop + 30) == 0.0 and flow(c, stop + 900) == 0.0


def test_air_with_no_action_stays_no_flow_and_alarmed():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "air_in_circuit", T0),))
    for dt in (5, 90, 101, 600):
        assert flow(c, T0 + dt) == 0.0
        assert c.flags(np.array([T0 + dt]))["air_in_circuit"][0]


def test_air_ends_when_the_team_has_de_aired_and_restarted():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "air_in_circuit", T0),))
    c = act(c, "control.ecmo.clamp_return", 1, T0 + 8, 1)
    c = act(c, "control.ecmo.clamp_drainage", 1, T0 + 10, 2)
    c = act(c, "control.ecmo.clamp_drainage", 0, T0 + 60, 3)
    c = act(c, "control.ecmo.clamp_return", 0, T0 + 62, 4)
    assert flow(c, T0 + 61) == 0.0
    c = act(c, "control.ecmo.pump", 1, T0 + 70, 5)
    assert flow(c, T0 + 74) == c.scenario.circuit.pump.flow(3200)
    assert flow(c, T0 + 1200) == c.scenario.circuit.pump.flow(3200)
    assert not c.flags(np.array([T0 + 20]))["air_in_circuit"][0]


def test_the_instructor_stopping_the_injection_ends_it():
    p = injection(COURSE.scenario, "pump_stop", T0)
    c = COURSE.with_perturbations((p.stopped_at(T0 + 60),))
    assert flow(c, T0 + 50) == 0.0 and flow(c, T0 + 120) > 3.0


def test_a_turning_pump_that_moves_no_blood_says_no_flow_not_a_clamp():
    """The console cannot know why a turning pump moves no blood: with no clamp on it says
    NO FLOW (here the instructor's override of the flow); CLAMPED once the team clamps."""
    c = COURSE.with_perturbations((override("ecmo_flow", 0.0, T0, 2.0),))
    assert flow(c, T0 + 30) == 0.0 and c.pump_state(T0 + 30) == "NO FLOW"
    assert c.mode("ecmo_mode", T0 + 30).endswith("NO FLOW")
    c = act(c, "control.ecmo.clamp_drainage", 1, T0 + 40, 1)
    assert c.pump_state(T0 + 45) == "CLAMPED"


def circuit_at(c: Course, t: float) -> dict[str, float]:
    got = c.numerics(("ecmo_flow", "p_venous", "p_int", "p_art", "delta_p"), np.array([t]))
    return {k: float(v[0]) for k, v in got.items()}


def test_a_torn_return_line_reads_the_pumps_flow_while_the_patient_gets_none():
    """The probe sits between the pump and the tear: it reads what the pump drives (as much
    as before), though none of it reaches the patient. P art falls to the room's pressure
    at the tear (the first alarm a console gives), the pump keeps pulling on the drainage
    (P venous more negative, then at the suction limit as the vein collapses), and the
    flow falls as the patient empties. Clamping the drainage stops all of it."""
    before = circuit_at(COURSE, T0 - 10)
    c = COURSE.with_perturbations((injection(COURSE.scenario, "circuit_rupture", T0),))
    assert flow(c, T0 + 5) == 0.0  # what the patient receives
    torn = circuit_at(c, T0 + 5)
    assert torn["ecmo_flow"] == pytest.approx(3.8, abs=0.2)
    assert torn["ecmo_flow"] >= before["ecmo_flow"] - 0.2
    assert c.pump_state(T0 + 5) == "running"
    assert abs(torn["p_art"]) < 8 and before["p_art"] > 150
    assert torn["delta_p"] == pytest.approx(before["delta_p"], rel=0.2)  # same flow through it
    assert torn["p_venous"] < before["p_venous"] - 5
    emptied = circuit_at(c, T0 + 120)
    assert emptied["ecmo_flow"] == pytest.approx(0.3, abs=0.15)
    assert emptied["p_venous"] < -250  # the inlet at its suction limit: -300 mmHg below CVP
    assert abs(emptied["p_art"]) < 8
    # What the patient has lost follows what spilled (within a third) through the minute.
    t = T0 + np.arange(0.0, 60.5, 0.5)
    i = c.true_inputs(("ecmo_spill", "blood_volume_deficit"), t)
    spilled = np.concatenate([[0.0], np.cumsum((i["ecmo_spill"][1:] + i["ecmo_spill"][:-1])
                                               / 2 * 0.5 / 60 * 1000)])
    lost = i["blood_volume_deficit"] - i["blood_volume_deficit"][0]
    for k in (20, 60, 120):  # 10, 30 and 60 s
        assert lost[k] == pytest.approx(spilled[k], rel=0.35), (k / 2, lost[k], spilled[k])
    # The team clamps the drainage at 20 s: the loss stops, no flow, the inlet's suction.
    clamped = act(c, "control.ecmo.clamp_drainage", 1, T0 + 20, 1)
    after = circuit_at(clamped, T0 + 30)
    assert after["ecmo_flow"] == pytest.approx(0.0, abs=0.15)
    assert clamped.pump_state(T0 + 30) == "CLAMPED"
    spill = clamped.true_inputs(("ecmo_spill",), np.array([T0 + 30]))["ecmo_spill"][0]
    assert spill == 0.0


def test_a_partial_spill_shares_the_pumps_flow_between_patient_and_floor():
    """Half the pump's flow returning, half spilling: the drainage and the membrane carry
    both, P art is between the intact line's and the room's; nothing spilled: as before."""
    coef = COURSE.model.coef.circuit
    drops = COURSE.model.drops
    one = np.array([1.0])

    def at(returned: float, spilled: float | None) -> circuit.CircuitPressures:
        return circuit.pressures(returned * one, 10 * one, 6 * one, one, drops, coef,
                                 None if spilled is None else spilled * one)

    intact, half = at(3.7, None), at(1.85, 1.85)
    assert np.allclose([at(3.7, 0.0).p_int, at(3.7, 0.0).p_venous],
                       [intact.p_int, intact.p_venous])
    assert half.p_venous == pytest.approx(intact.p_venous)  # the same flow drained
    assert half.delta_p == pytest.approx(intact.delta_p)
    intact_art = intact.p_int - intact.delta_p
    half_art = half.p_int - half.delta_p
    assert 5 < half_art < intact_art / 2
