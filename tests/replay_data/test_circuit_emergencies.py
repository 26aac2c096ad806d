"""All-or-nothing circuit emergencies (pump stop, air in the circuit) last until the team's
corrective action ends them, or the instructor stops them: never on a timer (the issue
"ECMO emergencies a team can train on"). Data level: a course and its perturbations."""

from __future__ import annotations

import math

import numpy as np
from case_support import case_course

from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection

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


def test_a_torn_line_shows_no_flow_not_a_clamp_until_the_team_clamps():
    """The console cannot know why a turning pump moves no blood: with no clamp on it says
    NO FLOW (a torn line, an emptied circuit); CLAMPED once the team has clamped."""
    c = COURSE.with_perturbations((injection(COURSE.scenario, "circuit_rupture", T0),))
    assert flow(c, T0 + 30) == 0.0 and c.pump_state(T0 + 30) == "NO FLOW"
    assert c.mode("ecmo_mode", T0 + 30).endswith("NO FLOW")
    c = act(c, "control.ecmo.clamp_drainage", 1, T0 + 40, 1)
    assert c.pump_state(T0 + 45) == "CLAMPED"
