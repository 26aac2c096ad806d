"""The bedside team's controls: actions through the controller, the model's response,
locking, recording and replay (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from case_support import case_course

from dashboard.alarms.log import read_log
from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.events import ActionRefused
from dashboard.core.session_controller import SessionController
from dashboard.recording import course_for, read_session, recording_for
from replay_data.controls import pump_flow
from replay_data.course import Course

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0
PUMP = COURSE.scenario.circuit.pump  # the case's [circuit.pump]
CONSOLE = Actor("instructor", "console")
BED = Actor("trainee", "bed-1")


def act(kind: str, who: Actor = BED, **args) -> Action:
    return Action.make(kind, args, who)


def ctl(control: str, value: float, who: Actor = BED) -> Action:
    return act("control", who, control=control, value=value)


def value(c: SessionController, channel: str, t: float) -> float:
    got = c.course.true_inputs([channel], np.array([t]))
    if channel in got and not np.isnan(got[channel][0]):
        return float(got[channel][0])
    return float(c.course.model_outputs(np.array([t]))[channel][0])


def controller(**kw) -> SessionController:
    return SessionController(COURSE, start=T0, wall=ManualWall(), **kw)


def test_pump_speed_moves_flow_until_the_drainage_sucks():
    c = controller()
    flow0, pv0 = value(c, "ecmo_flow", T0 + 5), value(c, "p_venous", T0 + 5)
    assert c.request(ctl("control.ecmo.rpm", 3500)) is not None
    c.advance(10)
    assert value(c, "ecmo_flow", T0 + 9) == pump_flow(PUMP, 3500) > flow0
    c.request(ctl("control.ecmo.rpm", 4800))
    c.advance(10)
    # Asked for more than the cannula drains: flow capped (chattering), P venous falls hard.
    flows = [value(c, "ecmo_flow", T0 + 15 + k * 0.3) for k in range(8)]
    assert max(flows) <= PUMP.drainage_limit_lpm + 1e-9 and max(flows) - min(flows) > 0.2
    assert value(c, "p_venous", T0 + 19) < pv0 - 100


def test_clamping_stops_flow_and_the_hand_crank_gives_the_cranking_rate():
    c = controller()
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.advance(5)
    assert value(c, "ecmo_flow", T0 + 4) == 0.0
    c.request(ctl("control.ecmo.clamp_drainage", 0))
    c.request(ctl("control.ecmo.pump", 0))
    c.advance(5)
    assert value(c, "ecmo_flow", T0 + 9) == 0.0
    c.request(ctl("control.ecmo.hand_crank", 2800))
    c.advance(5)
    assert value(c, "ecmo_flow", T0 + 14) == pump_flow(PUMP, 2800)
    assert value(c, "ecmo_rpm", T0 + 14) == 2800


def test_sweep_off_lowers_oxygenation_and_restoring_it_restores_over_minutes():
    c = controller()
    sat0 = value(c, "sao2", T0)
    c.request(ctl("control.ecmo.sweep_flow", 0))
    c.advance(300, ticks=10)
    low = value(c, "sao2", T0 + 300)
    assert low < sat0 - 5
    c.request(ctl("control.ecmo.sweep_flow", 4.5))
    c.advance(20)
    assert value(c, "sao2", T0 + 320) < sat0 - 2  # not at once: the O2 store's lag
    c.advance(600, ticks=10)
    assert abs(value(c, "sao2", T0 + 920) - sat0) < 1.5


def test_ventilator_settings_move_gases():
    c = controller()
    pa0 = value(c, "paco2", T0)
    sat0 = value(c, "sao2", T0)
    c.request(ctl("control.vent.rr", 30))
    c.request(ctl("control.ecmo.sweep_flow", 1.0))
    c.request(ctl("control.vent.fio2", 21))
    c.advance(1800, ticks=20)
    assert value(c, "fio2", T0 + 1800) == 21
    assert value(c, "sao2", T0 + 1800) < sat0
    c2 = controller()
    c2.request(ctl("control.ecmo.sweep_flow", 1.0))
    c2.advance(1800, ticks=20)
    # the faster rate washes out more CO2 than the same sweep at the scenario's rate
    assert value(c, "paco2", T0 + 1800) < value(c2, "paco2", T0 + 1800)
    assert pa0 > 0


def test_a_locked_console_refuses_the_team_but_not_the_instructor():
    c = controller()
    events = []
    c.subscribe(events.append)
    assert c.request(act("lock", BED, console="ecmo", on=True)) is None  # trainee can't lock
    c.request(act("lock", CONSOLE, console="ecmo", on=True))
    assert c.request(ctl("control.ecmo.rpm", 3000)) is None
    refused = [e.reason for e in events if isinstance(e, ActionRefused)]
    assert refused[-1] == "the ecmo console is locked by the instructor"
    assert c.request(ctl("control.vent.peep", 14)) is not None  # the vent is not locked
    assert c.request(ctl("control.ecmo.rpm", 3000, CONSOLE)) is not None  # override
    c.request(act("lock", CONSOLE, console="ecmo", on=False))
    assert c.request(ctl("control.ecmo.rpm", 3300)) is not None


def test_bad_controls_are_refused_with_one_line():
    c = controller()
    events = []
    c.subscribe(events.append)
    c.request(ctl("control.ecmo.warp", 1))
    c.request(ctl("control.ecmo.rpm", 99999))
    reasons = [e.reason for e in events if isinstance(e, ActionRefused)]
    assert "unknown control" in reasons[0] and "5000" in reasons[1]
    assert all("\n" not in r for r in reasons)


def test_controls_are_recorded_with_who_and_replay_identically(tmp_path):
    path = tmp_path / "s.jsonl"
    c = controller(recording=recording_for(path), display="bed-1")
    c.apply(act("inject", CONSOLE, injection="pump_stop"))
    c.advance(20)
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.advance(25)
    c.request(ctl("control.ecmo.hand_crank", 3000))
    c.advance(40)
    live = [value(c, "ecmo_flow", T0 + s) for s in (10, 30, 50, 90)]
    c.close()
    rec = read_session(path)
    perts = [(r.perturbation.kind, r.perturbation.name, r.display)
             for r in rec.perturbation_records()]
    assert perts[1:] == [("control", "control.ecmo.clamp_drainage", "bed-1"),
                         ("control", "control.ecmo.hand_crank", "bed-1")]
    replayed = course_for(rec)
    got = replayed.true_inputs(["ecmo_flow"], np.array([T0 + s for s in (10, 30, 50, 90)]))
    # clamped under a crank: no flow, the same as live
    assert list(got["ecmo_flow"]) == live


def test_air_in_the_circuit_holds_the_flow_until_both_lines_were_clamped():
    c = controller()
    c.apply(act("inject", CONSOLE, injection="air_in_circuit", duration=600.0))
    c.advance(10)
    c.request(ctl("control.ecmo.pump", 1))  # restarting straight away: still no flow
    c.advance(10)
    assert value(c, "ecmo_flow", T0 + 19) == 0.0
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.advance(5)
    c.request(ctl("control.ecmo.clamp_drainage", 0))  # only one line clamped: not de-aired
    c.advance(5)
    assert value(c, "ecmo_flow", T0 + 29) == 0.0
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.request(ctl("control.ecmo.clamp_return", 1))  # both clamped: de-aired
    c.advance(20)
    c.request(ctl("control.ecmo.clamp_drainage", 0))
    c.request(ctl("control.ecmo.clamp_return", 0))
    c.advance(5)
    assert value(c, "ecmo_flow", T0 + 54) == pump_flow(PUMP, 3200)


def bubble(c: SessionController, t: float) -> bool:
    return bool(c.course.flags(np.array([t])).get("air_in_circuit", np.zeros(1, bool))[0])


def test_the_bubble_alarm_ends_when_the_team_de_airs_while_the_injection_runs_on(tmp_path):
    c = controller(alarm_log=tmp_path / "alarms.jsonl")
    c.apply(act("inject", CONSOLE, injection="air_in_circuit", duration=600.0))
    c.advance(10)
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.advance(5)
    c.request(ctl("control.ecmo.clamp_return", 1))  # both clamped at T0 + 15: de-aired
    c.advance(15)
    c.request(ctl("control.ecmo.clamp_drainage", 0))
    c.request(ctl("control.ecmo.clamp_return", 0))
    c.request(ctl("control.ecmo.pump", 1))
    c.advance(30)
    injection = next(p for p in c.perturbations if p.name.startswith("air_in_circuit"))
    assert injection.active_at(T0 + 300)  # the instructor's injection is still on
    assert bubble(c, T0 + 14) and not bubble(c, T0 + 15) and not bubble(c, T0 + 300)
    assert value(c, "ecmo_flow", T0 + 59) == pump_flow(PUMP, 3200)  # restarted: flow again
    c.close()
    # The alarm engine saw the flag go: the bubble alarm raised, then cleared at 15 s.
    log = [(r["event"], r["case_time"] - T0) for r in read_log(tmp_path / "alarms.jsonl")
           if r["alarm_id"] == "air_in_circuit" and r["event"] in ("raise", "clear")]
    assert [e for e, _ in log] == ["raise", "clear"]
    assert log[0][1] <= 2 and log[1][1] == pytest.approx(15, abs=1)
    # Seeking gives the same answer as playing: a pure function of the actions.
    again = Course(c.course.scenario, c.course.seed, tuple(c.perturbations))
    flags = again.flags(np.arange(T0 + 2, T0 + 60))["air_in_circuit"]
    assert flags[:13].all() and not flags[13:].any()


def test_without_both_clamps_the_bubble_alarm_lasts_the_whole_injection():
    c = controller()
    c.apply(act("inject", CONSOLE, injection="air_in_circuit", duration=600.0))
    c.advance(10)
    c.request(ctl("control.ecmo.clamp_drainage", 1))  # one line only
    c.advance(5)
    c.request(ctl("control.ecmo.clamp_drainage", 0))
    c.request(ctl("control.ecmo.pump", 1))
    c.advance(30)
    assert bubble(c, T0 + 15) and bubble(c, T0 + 599) and not bubble(c, T0 + 625)
    assert value(c, "ecmo_flow", T0 + 44) == 0.0
    assert "air_in_circuit" in {a.alarm_id for a in c.alarms.active_alarms()}
    c.close()


def test_ie_is_an_action_recorded_and_replayed_and_moves_the_pc_tidal_volume(tmp_path):
    from replay_data.controls import lung_compliance, pc_tidal_volume

    path = tmp_path / "s.jsonl"
    c = controller(recording=recording_for(path), display="vent-1")
    c.request(ctl("control.vent.rr", 30))
    c.request(ctl("control.vent.pinsp", 20))
    c.advance(10)
    lung = lung_compliance(c.course, T0 + 10)
    c.request(ctl("control.vent.ie", 4))
    c.advance(10)
    vt = c.course.numerics(["vt"], np.array([T0 + 15]))["vt"][0]
    assert vt == pytest.approx(pc_tidal_volume(20, 30, lung, ie=4), abs=0.1)
    assert vt < pc_tidal_volume(20, 30, lung, ie=2) - 20
    assert c.request(ctl("control.vent.ie", 5)) is None  # 1:1 .. 1:4
    c.close()
    rec = read_session(path)
    assert ("control", "control.vent.ie", "bed-1") in [
        (r.perturbation.kind, r.perturbation.name, r.display) for r in rec.perturbation_records()]
    replayed = course_for(rec)
    assert replayed.numerics(["vt"], np.array([T0 + 15]))["vt"][0] == vt
