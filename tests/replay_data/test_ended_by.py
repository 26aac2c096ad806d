"""What ends an emergency is data: an injection's `ended_by` conditions (the issue "ECMO
emergencies a team can train on": an emergency ends when the team's actions end it, or the
instructor stops it). The pump stop and the air in the circuit say it in the case file;
a file can give any injection its own (a sweep gas failure ended by the sweep set
again); a broken condition is one line naming the file, the line and the key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection
from replay_data.scenario import EndCondition, Scenario, load_scenario

HOUR = 3600.0
BIN = Path(sys.executable).parent
PUMP_STOP_RULE = 'ended_by = [{ input = "ecmo_flow", above = 0 }]'


def pump_stop_rule(tmp_path: Path, scenario_text: str, new: str) -> Path:
    """The case file with the pump stop's `ended_by` line replaced by `new`."""
    head, tail = scenario_text.split("[injections.pump_stop]\n", 1)
    assert PUMP_STOP_RULE in tail.split("\n[injections.", 1)[0]
    f = tmp_path / "edited.toml"
    f.write_text(head + "[injections.pump_stop]\n" + tail.replace(PUMP_STOP_RULE, new, 1),
                 encoding="utf-8")
    return f


def inputs(course: Course, channel: str, t: float) -> float:
    return float(course.true_inputs((channel,), np.array([t]))[channel][0])


def act(course: Course, control: str, value: float, t: float, n: int) -> Course:
    p = control_perturbation(course, control, value, t, f"team-{n}")
    return course.with_perturbations((*course.perturbations, p))


def acting(course: Course, name: str) -> float:
    """Where the course's (one) `name` injection ends as it acts."""
    return next(p for p in course.acting_perturbations if p.name == name).end


def day2(sc: Scenario) -> float:
    return sc.event_times["ecmo_start"] + 86400.0


def test_the_flow_emergencies_say_in_the_file_what_ends_them(case_scenario):
    for name in ("pump_stop", "air_in_circuit"):
        assert case_scenario.injections[name].ended_by == (
            EndCondition("ecmo_flow", above=0.0),), name
    assert load_scenario("influenza_ards_ecmo").injections["pump_stop"].ended_by


def test_without_ended_by_the_teams_restart_no_longer_ends_a_pump_stop(
        tmp_path, scenario_text):
    # The rule lives in the data: take it out and only the instructor can end the stop.
    sc = load_scenario(pump_stop_rule(tmp_path, scenario_text, ""))
    t0 = day2(sc)
    for keep in (True, False):
        scen = sc if not keep else load_scenario("sle_dah_ecmo")
        c = Course(scen, 0, (injection(scen, "pump_stop", t0),))
        c = act(c, "control.ecmo.hand_crank", 2800, t0 + 20, 1)
        # The hand crank gives flow either way (the team's setting has the last word) ...
        assert inputs(c, "ecmo_flow", t0 + 60) > 3.0
        # ... but only the rule in the file ends the emergency (its heart-rate rise).
        ended = acting(c, "pump_stop")
        assert (ended == t0 + 20) if keep else (ended == float("inf"))


def test_a_sweep_failure_ended_by_setting_the_sweep_again():
    sc = load_scenario("sle_dah_ecmo")
    assert sc.injections["sweep_gas_failure"].ended_by == (
        EndCondition("control.ecmo.sweep_flow", at_least=1.0),)
    t0 = day2(sc)
    c = Course(sc, 0, (injection(sc, "sweep_gas_failure", t0, duration=HOUR, pid="gas"),))
    # Another ECMO setting restates the sweep as it is (0, disconnected): not an end.
    c = act(c, "control.ecmo.fdo2", 100, t0 + 30, 1)
    assert acting(c, "sweep_gas_failure") == t0 + HOUR
    assert inputs(c, "sweep_flow", t0 + 60) == 0.0
    # A sweep set below the condition's 1 L/min does not end it either; 4.5 does.
    c = act(c, "control.ecmo.sweep_flow", 0.5, t0 + 50, 2)
    assert acting(c, "sweep_gas_failure") == t0 + HOUR
    c = act(c, "control.ecmo.sweep_flow", 4.5, t0 + 70, 3)
    assert acting(c, "sweep_gas_failure") == t0 + 70
    # its heart-rate rise wears off from there: back to the patient's own by 10 min later
    alone = Course(sc, 0)
    assert abs(inputs(c, "hr", t0 + 70 + 600) - inputs(alone, "hr", t0 + 70 + 600)) < 1e-9
    assert inputs(c, "hr", t0 + 60) > inputs(alone, "hr", t0 + 60)
    # seek equals play: a fresh course from the same list gives the same values
    again = Course(sc, 0, c.perturbations)
    tt = np.arange(t0, t0 + 400, 7.0)
    for ch in ("sweep_flow", "hr"):
        assert np.array_equal(again.true_inputs((ch,), tt)[ch], c.true_inputs((ch,), tt)[ch])


def test_a_setting_before_the_emergency_does_not_end_it():
    sc = load_scenario("sle_dah_ecmo")
    t0 = day2(sc)
    c = act(Course(sc, 0), "control.ecmo.sweep_flow", 5, t0 - 60, 1)
    c = c.with_perturbations((*c.perturbations,
                              injection(sc, "sweep_gas_failure", t0, duration=HOUR)))
    assert acting(c, "sweep_gas_failure") == t0 + HOUR and inputs(c, "sweep_flow", t0 + 120) == 0.0


BAD = [
    ('[{ control = "control.ecmo.sweep", at_least = 1 }]', "ended_by[0].control",
     "unknown control 'control.ecmo.sweep'"),
    ('[{ input = "spo2", above = 90 }]', "ended_by[0].input",
     "'spo2' is not set by the team's consoles"),
    ('[{ control = "control.ecmo.pump" }]', "ended_by[0]", "needs equals, at_least"),
    ('[{ control = "control.ecmo.pump", input = "ecmo_flow", equals = 1 }]', "ended_by[0]",
     "either control"),
    ('[{ control = "control.ecmo.pump", equals = 1, at_least = 1 }]', "ended_by[0].equals",
     "equals alone"),
    ('[{ input = "ecmo_flow", above = "0" }]', "ended_by[0].above", "must be a finite number"),
    ('[]', "ended_by", "non-empty"),
    ('[{ input = "ecmo_flow", above = 0, within = "1m" }]', "ended_by[0].within",
     "unknown key"),
]


@pytest.mark.parametrize(("value", "key", "words"), BAD, ids=[b[1] + ":" + b[2][:12]
                                                               for b in BAD])
def test_a_broken_condition_is_one_line_naming_file_line_and_key(
        tmp_path, scenario_text, value, key, words):
    f = pump_stop_rule(tmp_path, scenario_text, f"ended_by = {value}")
    with pytest.raises(Exception) as err:
        load_scenario(f)
    message = str(err.value)
    assert "\n" not in message
    assert re.match(rf"edited\.toml:\d+: injections\.pump_stop\.{re.escape(key)}: ",
                    message), message
    assert words in message, message


def test_validate_lists_every_broken_condition(tmp_path, scenario_text):
    # Both emergencies broken: validate says each on its own line, exit code 2.
    text = scenario_text.replace('ended_by = [{ input = "ecmo_flow", above = 0 }]',
                                 'ended_by = [{ input = "ecmo_flw", above = 0 }]')
    f = tmp_path / "two.toml"
    f.write_text(text, encoding="utf-8")
    p = subprocess.run([str(BIN / "replay-data"), "validate", str(f)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 2, p.stderr
    assert "injections.pump_stop.ended_by[0].input" in lines[0]
    assert "injections.air_in_circuit.ended_by[0].input" in lines[1]
