"""A scripted pump-stop drill: the team clamps, hand-cranks, restarts; the patient
recovers through the model; the session log and the debrief score it."""

from __future__ import annotations

import numpy as np
from case_support import case_course

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief import build_debrief
from dashboard.debrief.scoring import DONE, LATE, MISSED, score_session
from dashboard.recording import read_session, recording_for
from replay_data.controls import pump_flow

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0
PUMP = COURSE.scenario.circuit.pump  # the case's [circuit.pump]
CONSOLE = Actor("instructor", "console")
ECMO = Actor("trainee", "ecmo-console")


def ctl(control: str, value: float) -> Action:
    return Action.make("control", {"control": control, "value": value}, ECMO)


def at(c: SessionController, channel: str, t: float) -> float:
    return float(c.course.numerics([channel], np.array([t]))[channel][0])


def run_drill(path, *, clamp_after: float = 20, restart: bool = True) -> SessionController:
    c = SessionController(COURSE, start=T0, wall=ManualWall(), recording=recording_for(path),
                          display="console")
    c.advance(10)
    c.apply(Action.make("inject", {"injection": "pump_stop", "duration": 600.0}, CONSOLE))
    c.advance(clamp_after, ticks=4)
    c.request(ctl("control.ecmo.clamp_drainage", 1))
    c.request(ctl("control.ecmo.clamp_return", 1))
    c.advance(15, ticks=2)
    c.request(ctl("control.ecmo.hand_crank", 3000))   # crank with the lines still clamped
    c.request(ctl("control.ecmo.clamp_drainage", 0))
    c.request(ctl("control.ecmo.clamp_return", 0))
    c.advance(60, ticks=6)
    if restart:
        c.request(ctl("control.ecmo.hand_crank", 0))
        c.request(ctl("control.ecmo.pump", 1))
    c.advance(600, ticks=20)
    return c


def test_the_drill_recovers_the_patient_and_the_debrief_scores_it(tmp_path):
    path = tmp_path / "drill.jsonl"
    c = run_drill(path)
    t_inj = T0 + 10
    sat_before = at(c, "sao2", t_inj)
    # Pump stopped: no flow, oxygenation falls to the native lung's.
    assert at(c, "ecmo_flow", t_inj + 15) == 0.0
    assert at(c, "sao2", t_inj + 35) < sat_before - 5
    # Hand-cranking: the flow of the cranking rate.
    t_crank = t_inj + 20 + 15
    assert at(c, "ecmo_flow", t_crank + 5) == pump_flow(PUMP, 3000)
    # Restarted: full flow, and saturation back within a few minutes.
    t_restart = t_crank + 60
    assert at(c, "ecmo_flow", t_restart + 5) == pump_flow(PUMP, 3200)
    assert at(c, "sao2", t_restart + 500) > sat_before - 2
    c.close()

    rec = read_session(path)
    scored = {r.response: r for r in score_session(rec, COURSE.scenario)}
    assert scored["Clamp the lines"].status == DONE
    assert scored["Clamp the lines"].delay == 20
    assert scored["Restart the pump or hand-crank"].status == DONE  # crank at +35 s
    assert scored["Restart the pump or hand-crank"].by.control == "control.ecmo.hand_crank"
    assert scored["FiO2 to 1.0 on the ventilator"].status == MISSED
    html = build_debrief(path, tmp_path / "drill.html").html_path.read_text()
    assert "Expected responses" in html
    assert "2 done in time, 0 late, 1 missed." in html
    assert "Drainage clamp on (at ecmo-console)" in html


def test_a_slow_team_is_scored_late(tmp_path):
    path = tmp_path / "slow.jsonl"
    run_drill(path, clamp_after=50, restart=False).close()
    scored = {r.response: r for r in score_session(read_session(path), COURSE.scenario)}
    assert scored["Clamp the lines"].status == LATE
    assert scored["Clamp the lines"].delay == 50
    # cranked at +65 s: after the 60 s the scenario allows
    assert scored["Restart the pump or hand-crank"].status == LATE
    assert scored["Restart the pump or hand-crank"].delay == 65
