"""The instructor's live checklist on the built-in drill pump_stop_day2: rows from the
moment the pump stops, pending until the deadline and missed after it, ticking itself
when the bedside team acts, "verbal" when the instructor ticks it, and never the team's
when the instructor made the setting -- the same verdicts the debrief gives the file."""

from __future__ import annotations

import pytest
from case_support import scenario

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief.checklist import live_checklist
from dashboard.debrief.scoring import score_session
from dashboard.recording import read_session, recording_for
from replay_data.course import Course, scheduled_id

DRILL = scenario("pump_stop_day2")
INSTRUCTOR = Actor("instructor", "console")
TRAINEE = Actor("trainee", "bed-1")
CLAMP, FLOW, FIO2 = (e.label for e in DRILL.injections["pump_stop"].expected)


def drill(path=None) -> SessionController:
    c = SessionController(Course(DRILL, 0), playing=False, wall=ManualWall(),
                          recording=recording_for(path, "pump_stop_day2"), display="console")
    c.apply(Action.make("begin", {}, INSTRUCTOR), strict=True)
    return c


def act(c: SessionController, kind: str, actor: Actor = INSTRUCTOR, **args) -> None:
    assert c.apply(Action.make(kind, args, actor), strict=True) is not None


def rows(c: SessionController) -> dict[str, tuple[str, float | None, str | None]]:
    return {i.response: (i.status, i.at, i.by) for i in live_checklist(c)}


def test_rows_appear_when_the_pump_stops_and_go_pending_then_missed():
    c = drill()
    t0 = c.case_time()
    c.advance(179, ticks=5)
    assert live_checklist(c) == []  # nothing under way yet
    c.advance(6, ticks=2)
    items = live_checklist(c)
    assert [i.response for i in items] == [CLAMP, FLOW, FIO2]
    pump = items[0]
    assert pump.injection_id == scheduled_id("pump_stop", t0 + 180)
    assert (pump.injection, pump.started, pump.deadline) == ("Pump stop", t0 + 180, t0 + 210)
    assert {i.status for i in items} == {"pending"} and all(i.by is None for i in items)
    c.advance(30)  # +215 s: the clamp's 30 s have passed, the others' 60 s not
    assert [s for s, _, _ in rows(c).values()] == ["missed", "pending", "pending"]
    # The team clamps late: the row ticks itself, as late.
    act(c, "control", TRAINEE, control="control.ecmo.clamp_return", value=1)
    assert rows(c)[CLAMP] == ("late", t0 + 215, "trainee at bed-1")


def test_the_team_ticks_its_rows_the_instructor_setting_is_not_the_teams_and_verbal_is_recorded(
        tmp_path):
    c = drill(tmp_path / "s.jsonl")
    t0 = c.case_time()
    c.advance(190, ticks=5)
    act(c, "control", TRAINEE, control="control.ecmo.clamp_drainage", value=1)
    # The instructor restarts the pump from the console's team-settings box ...
    act(c, "control", INSTRUCTOR, control="control.ecmo.pump", value=1)
    now = rows(c)
    assert now[CLAMP] == ("done", t0 + 190, "trainee at bed-1")
    assert now[FLOW] == ("instructor", t0 + 190, "instructor at console")
    assert now[FIO2] == ("pending", None, None)
    # ... and ticks the FiO2 the team called for out loud.
    c.advance(10)
    pump = live_checklist(c)[0].injection_id
    act(c, "response_done", injection=pump, response=FIO2)
    assert rows(c)[FIO2] == ("verbal", t0 + 200, "instructor (verbal)")
    c.advance(120, ticks=4)
    live = [(i.response, i.status, i.at) for i in live_checklist(c)]
    act(c, "end")
    c.close()
    # The session file has it, and the debrief scores the file exactly as the live view.
    rec = read_session(c.recorded_path)
    (tick,) = [a for a in rec.instructor_actions() if a.action == "response_done"]
    assert (tick.fields["injection"], tick.fields["response"], tick.display) == (
        pump, FIO2, "console")
    roles = {r.perturbation.name: r.role for r in rec.perturbation_records()
             if r.perturbation.kind == "control"}
    assert roles == {"control.ecmo.clamp_drainage": "trainee", "control.ecmo.pump": "instructor"}
    assert [(r.response, r.status, r.at) for r in score_session(rec, DRILL)] == live


def test_a_team_setting_after_the_instructors_still_counts_for_the_team():
    c = drill()
    t0 = c.case_time()
    c.advance(185, ticks=5)
    act(c, "control", INSTRUCTOR, control="control.ecmo.hand_crank", value=2500)
    c.advance(10)
    act(c, "control", TRAINEE, control="control.ecmo.pump", value=1)
    assert rows(c)[FLOW] == ("done", t0 + 195, "trainee at bed-1")


@pytest.mark.parametrize("where", ["before", "over"])
def test_a_seek_over_the_pump_stop_leaves_nothing_to_check(where):
    c = drill()
    t0 = c.case_time()
    target = t0 + (900 if where == "over" else 60)
    act(c, "seek", target=target)
    c.advance(30)
    assert live_checklist(c) == []
    if where == "before":  # played on from before the stop, it comes as usual
        c.advance(100, ticks=4)
        assert len(live_checklist(c)) == 3


def test_an_injection_the_instructor_gives_has_its_own_rows_and_its_stop_keeps_them():
    c = drill()
    c.advance(30)
    act(c, "inject", injection="pump_stop", duration=None)
    pid = c.perturbations[-1].id
    c.advance(5)
    assert [i.injection_id for i in live_checklist(c)] == [pid] * 3
    act(c, "stop", id=pid)
    c.advance(100, ticks=4)
    assert [i.status for i in live_checklist(c)] == ["missed"] * 3


def test_the_consoles_kept_checklist_reads_only_new_actions_and_agrees_with_a_fresh_one():
    """The console keeps one LiveChecklist for the session (reading only the actions
    since its last look); at every step of a drill -- injections, a stop, team and
    instructor settings, a verbal tick, seeks back and forth -- it shows what working the
    checklist out from the whole journal shows."""
    from dashboard.debrief.checklist import LiveChecklist

    c = drill()
    kept = LiveChecklist(c)
    t0 = c.case_time()
    steps = [
        lambda: c.advance(185, ticks=5),
        lambda: act(c, "inject", injection="pump_stop", duration=None),
        lambda: act(c, "control", TRAINEE, control="control.ecmo.clamp_drainage", value=1),
        lambda: c.advance(20),
        lambda: act(c, "control", INSTRUCTOR, control="control.ecmo.pump", value=1),
        lambda: act(c, "response_done", injection=kept.items()[0].injection_id,
                    response=FIO2),
        lambda: act(c, "stop", id=c.perturbations[-1].id),
        lambda: act(c, "seek", target=t0 + 60),
        lambda: c.advance(150, ticks=4),
        lambda: act(c, "seek", target=t0 + 900),
        lambda: c.advance(40),
    ]
    seen = set()
    for step in steps:
        step()
        assert kept.items() == live_checklist(c)
        seen.update(i.status for i in kept.items())
    assert {"done", "instructor", "verbal", "pending"} <= seen  # the steps did score
    assert kept._read == len(c.journal)  # it read each action once, as it came
