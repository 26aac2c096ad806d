"""The session controller without Qt: one dispatch for every action, the logs it writes,
who may do what, and a follower rebuilt from the instructor's state."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from case_support import case_course

from dashboard.core.actions import (
    ACKNOWLEDGE,
    INJECT,
    LIMITS,
    SEEK,
    SPEED,
    Action,
    ActionError,
    Actor,
)
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import (
    ActionApplied,
    ActionRefused,
    ScenarioMismatch,
    SessionController,
)
from dashboard.core.session_state import SessionState
from dashboard.recording import read_session, recording_for
from replay_data.course import Course

COURSE = case_course()
T0 = int(COURSE.scenario.event_times["ecmo_start"]) + 2 * 3600  # settled on ECMO
CONSOLE = Actor("instructor", "console")
BED = Actor("trainee", "bed-1")


def act(kind: str, who: Actor = CONSOLE, **args) -> Action:
    return Action.make(kind, args, who)


WHOLE_SESSION = textwrap.dedent("""
    import json, sys
    sys.modules["PySide6"] = None      # any `import PySide6` now raises ImportError
    sys.modules["pyqtgraph"] = None
    from replay_data.course import Course
    from dashboard.core.actions import Action, Actor
    from dashboard.core.clock import ManualWall
    from dashboard.core.session_controller import SessionController, ActionRefused
    from dashboard.recording import recording_for
    from dashboard.recording import read_session
    from dashboard.alarms.log import read_log

    alarm_path, session_path = sys.argv[1], sys.argv[2]
    course = Course.load()
    t0 = course.scenario.event_times["ecmo_start"] + 7200
    wall = ManualWall()
    c = SessionController(course, start=t0, wall=wall, alarm_log=alarm_path,
                          recording=recording_for(session_path), display="console")
    events = []
    c.subscribe(events.append)
    console, bed = Actor("instructor", "console"), Actor("trainee", "bed-1")
    a = lambda kind, who=console, **args: Action.make(kind, args, who)
    c.advance(30, ticks=3)
    c.request(a("inject", injection="pump_stop"))
    c.advance(40, ticks=4)
    c.request(a("acknowledge", bed, alarm_id=None))
    c.request(a("audio_pause", bed))
    c.request(a("seek", bed, target=t0))                       # trainee: refused
    c.request(a("override", channel="spo2", target=80, transition=10))
    c.advance(20, ticks=2)
    c.request(a("stop", id="pump_stop#1"))
    c.request(a("seek", target=t0 + 3600))
    c.advance(10)
    c.close()
    applied = [type(e).__name__ for e in events if type(e).__name__ != "Tick"]
    refused = [e.reason for e in events if isinstance(e, ActionRefused)]
    log = [(x["event"], x["alarm_id"]) for x in map(json.loads, open(alarm_path))]
    s = read_session(session_path)
    print(json.dumps({
        "refused": refused, "log": log,
        "trainee": [(x.action, x.display, x.case_time) for x in s.trainee_actions()],
        "instructor": [(x.action, x.display, dict(x.fields)) for x in s.instructor_actions()],
        "perturbations": [(r.perturbation.id, r.stopped is not None)
                          for r in s.perturbation_records()],
        "t0": t0, "qt": "PySide6" in sys.modules and sys.modules["PySide6"] is not None,
    }))
""")


def test_a_whole_session_runs_through_the_controller_without_qt(tmp_path):
    alarm_path, session_path = tmp_path / "alarms.jsonl", tmp_path / "session.jsonl"
    p = subprocess.run([sys.executable, "-c", WHOLE_SESSION, str(alarm_path),
                        str(session_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert not out["qt"]
    assert out["refused"] == ["seek: only the instructor can do that"]
    log = [tuple(x) for x in out["log"]]
    # The pump stop raised its alarm, the trainee's acknowledge reached it, audio paused.
    assert ("raise", "pump_stopped") in log
    assert log.index(("raise", "pump_stopped")) < log.index(("acknowledge", "pump_stopped"))
    assert ("audio_paused", None) in log
    t0 = out["t0"]
    assert [[a, d] for a, d, _ in out["trainee"]] == [["acknowledge", "bed-1"],
                                                      ["audio_pause", "bed-1"]]
    assert all(t0 + 30 < t <= t0 + 70 for _, _, t in out["trainee"])
    assert out["instructor"] == [["seek", "console", {"target": t0 + 3600}]]
    assert out["perturbations"] == [["pump_stop#1", True], ["spo2#2", False]]
    # The debrief reads what the controller recorded.
    from dashboard.debrief import build_debrief

    build_debrief(session_path, tmp_path / "r.html")
    assert "acknowledge all (at bed-1)" in (tmp_path / "r.html").read_text()


def controller(**kw) -> SessionController:
    return SessionController(COURSE, start=T0, wall=ManualWall(), **kw)


def test_actions_are_checked_field_by_field():
    for bad, message in [
        ({"kind": SEEK, "args": {"target": None}, "actor": CONSOLE.to_json()}, "null"),
        ({"kind": SEEK, "args": {"target": float("nan")}, "actor": CONSOLE.to_json()}, "finite"),
        ({"kind": SPEED, "args": {"value": 0}, "actor": CONSOLE.to_json()}, "above 0"),
        ({"kind": LIMITS, "args": {"parameter": "hr", "low": "abc"},
          "actor": BED.to_json()}, "number"),
        ({"kind": "rewind", "args": {}, "actor": CONSOLE.to_json()}, "unknown action"),
        ({"kind": ACKNOWLEDGE, "args": {}, "actor": {"role": "god", "display": "x"}}, "role"),
        ({"kind": SEEK, "args": {"target": 10 ** 400}, "actor": CONSOLE.to_json()}, "large"),
        ({"kind": ACKNOWLEDGE, "args": {"alarm": 1}, "actor": BED.to_json()}, "unknown field"),
    ]:
        with pytest.raises(ActionError, match=message) as info:
            Action.from_json(bad)
        assert "\n" not in str(info.value)
    a = act(INJECT, injection="pump_stop", severity=0.5)
    assert Action.from_json(json.loads(json.dumps(a.to_json()))) == a


def test_only_the_instructor_changes_the_clock_and_the_case():
    c = controller()
    seen = []
    c.subscribe(seen.append)
    for kind, args in [(SEEK, {"target": T0 + 100}), (SPEED, {"value": 60}),
                       (INJECT, {"injection": "pump_stop"})]:
        assert c.apply(act(kind, BED, **args)) is None
    assert [type(e) for e in seen] == [ActionRefused] * 3
    assert c.case_time() == T0 and c.clock.speed == 1 and not c.perturbations
    done = c.apply(act(ACKNOWLEDGE, BED))
    assert done is not None and done.case_t == T0
    assert any(isinstance(e, ActionApplied) and e.action == done for e in seen)
    c.close()


def test_a_follower_sends_trainee_actions_up_and_refuses_the_rest():
    c = controller(authority=False)
    sent: list[Action] = []
    c.uplink = sent.append
    seen = []
    c.subscribe(seen.append)
    c.request(act(ACKNOWLEDGE, BED))
    c.request(act(SEEK, BED, target=T0 + 10))
    assert [a.kind for a in sent] == [ACKNOWLEDGE]
    assert [type(e) for e in seen] == [ActionRefused] and c.seq == 0
    c.close()


def test_a_late_joiner_adopts_the_instructor_state_and_alarms():
    wall = ManualWall(1000.0)
    boss = SessionController(COURSE, start=T0, wall=wall)
    boss.apply(act(INJECT, injection="pump_stop"))
    boss.advance(45, ticks=5)
    boss.apply(act(ACKNOWLEDGE, BED, alarm_id="pump_stopped"))
    boss.apply(act(LIMITS, BED, parameter="spo2", low=85))
    boss.advance(20, ticks=2)
    state = SessionState.from_json(json.loads(json.dumps(boss.state().to_json())))

    follower = SessionController(COURSE, start=COURSE.scenario.default_start, wall=wall,
                                 authority=False)
    follower.adopt_state(state)
    follower.tick()
    boss.tick()
    assert follower.case_time() == pytest.approx(boss.case_time())
    assert [p.id for p in follower.perturbations] == ["pump_stop#1"]
    assert follower.alarms.limits("spo2")[0] == 85

    def shown(c):
        return [(a.alarm_id, a.state) for a in c.alarms.active_alarms()]
    assert shown(follower) == shown(boss) and ("pump_stopped" in dict(shown(boss)))
    assert follower.monitor.latest.values == boss.monitor.latest.values
    boss.close()
    follower.close()


def test_a_follower_ahead_of_the_instructor_applies_an_acknowledge_in_its_place():
    """Network delay: the acknowledge reaches a display that has already run past its
    case time; the display rebuilds its alarm history with it and agrees again."""
    wall = ManualWall(100.0)
    boss = SessionController(COURSE, start=T0, wall=wall)
    follower = SessionController(COURSE, start=T0, wall=wall, authority=False)
    boss.apply(act(INJECT, injection="pump_stop"))
    follower.adopt_state(boss.state())
    boss.advance(40, ticks=4)
    follower.tick()
    wall.advance(5)
    follower.tick()  # 5 s ahead of what the boss has processed
    done = boss.apply(act(ACKNOWLEDGE, BED, alarm_id=None))
    follower.apply(done)
    boss.tick()
    follower.tick()
    assert [(a.alarm_id, a.state) for a in follower.alarms.active_alarms()] == \
        [(a.alarm_id, a.state) for a in boss.alarms.active_alarms()]
    assert any(a.state.value == "acknowledged" for a in boss.alarms.active_alarms())
    boss.close()
    follower.close()


def test_a_follower_follows_the_instructor_clock_anchor():
    wall = ManualWall(500.0)
    boss = SessionController(COURSE, start=T0, wall=wall)
    follower = SessionController(COURSE, start=T0, wall=wall, authority=False)
    follower.adopt_state(boss.state())
    boss.apply(act(SPEED, value=60))
    wall.advance(3)
    boss.tick()
    follower.tick()  # the follower has not heard of the speed change yet
    assert follower.case_time() == T0 + 3
    follower.follow_anchor(boss.state().anchor)
    assert follower.clock.speed == 60 and follower.case_time() == boss.case_time()
    boss.apply(act("pause"))
    wall.advance(10)
    follower.follow_anchor(boss.state().anchor)
    assert not follower.clock.playing and follower.case_time() == boss.case_time()
    boss.close()
    follower.close()


def test_a_follower_told_late_of_a_slow_down_from_60x_holds_instead_of_stepping_back():
    """The bedside ran on at 60x for 0.1 s after the instructor slowed to 10x: 5 s of case
    time ahead. It holds until the instructor's clock catches up (it stepped back on
    screen: it held only 2 s of case time, whatever the speed)."""
    wall = ManualWall(500.0)
    boss = SessionController(COURSE, start=T0, wall=wall)
    boss.apply(act(SPEED, value=60))
    follower = SessionController(COURSE, start=T0, wall=wall, authority=False)
    follower.adopt_state(boss.state())
    boss.apply(act(SPEED, value=10))
    wall.advance(0.1)
    ahead = follower.case_time()
    assert ahead == pytest.approx(boss.case_time() + 5.0)
    follower.follow_anchor(boss.state().anchor)
    assert follower.clock.speed == 10 and follower.case_time() == pytest.approx(ahead)
    wall.advance(0.6)  # the instructor's clock passes the held moment: they agree again
    assert follower.case_time() == pytest.approx(boss.case_time())
    boss.close()
    follower.close()


def test_a_state_from_another_scenario_is_refused_and_changes_nothing():
    boss = controller()
    data = boss.state().to_json()
    data["scenario_hash"] = "0" * 64
    follower = controller(authority=False)
    before = follower.case_time()
    with pytest.raises(ScenarioMismatch, match="scenario differs"):
        follower.adopt_state(SessionState.from_json(data))
    assert follower.case_time() == before and follower.seq == 0
    boss.close()
    follower.close()


@pytest.mark.parametrize("speed, ticks", [(1, 900), (60, 15), (600, 2), (3600, 1)])
def test_a_recorded_session_replays_identically_at_any_speed(tmp_path, speed, ticks):
    """Trainee actions between frames, replayed at any tick size: the same alarm log."""
    live_log = tmp_path / "live.jsonl"
    session = tmp_path / "s.jsonl"
    c = controller(alarm_log=live_log, recording=recording_for(session))
    c.apply(act(INJECT, injection="pump_stop"))
    for step, action in [(37.3, act(ACKNOWLEDGE, BED)), (20.6, act("audio_pause", BED)),
                         (100.2, act(LIMITS, BED, parameter="spo2", low=80)),
                         (30.9, act(ACKNOWLEDGE, BED, alarm_id=None))]:
        c.advance(step, ticks=3)
        c.apply(action)
    c.advance(300, ticks=7)
    c.close()
    rec = read_session(session)

    replay_log = tmp_path / f"replay-{speed}.jsonl"
    course = Course.load().with_perturbations(rec.final_perturbations())
    r = SessionController(course, start=rec.start, speed=speed, wall=ManualWall(),
                          alarm_log=replay_log)
    r.replay(rec.replay_actions(), follow_speed=False)
    r.advance(900, ticks=ticks)
    r.close()

    def events(path):
        return [(x["case_time"], x["event"], x["alarm_id"])
                for x in map(json.loads, path.read_text().splitlines())]
    live = events(live_log)
    assert [e for e in events(replay_log) if e[0] <= live[-1][0]] == live
    assert any(e[1] == "acknowledge" for e in live)


def test_a_viewer_jump_in_a_replay_passes_over_the_actions_before_it(tmp_path):
    session = tmp_path / "s.jsonl"
    c = controller(recording=recording_for(session))
    c.advance(30)
    c.apply(act(ACKNOWLEDGE, BED))
    c.advance(30)
    c.apply(act(SEEK, target=T0 + 10))  # the instructor went back
    c.advance(5)
    c.apply(act("audio_pause", BED))
    c.close()
    rec = read_session(session)
    r = controller()
    seen = []
    r.subscribe(seen.append)
    r.replay(rec.replay_actions())
    r.apply(act(SEEK, target=T0 + 45))  # the viewer jumps past the acknowledge
    r.advance(100, ticks=10)
    applied = [e.action.kind for e in seen if isinstance(e, ActionApplied)]
    assert applied == [SEEK, SEEK, "audio_pause"]
    assert not any(isinstance(e, ActionRefused) for e in seen)
    r.close()


def _batch_session(tmp_path, name: str, batched: bool) -> tuple[SessionController, list]:
    """Start-up disturbances (as --inject gives them, plus the other kinds a batch takes
    and some it refuses) one by one or through apply_many(), then two case minutes."""
    c = controller(alarm_log=tmp_path / f"{name}-alarms.jsonl",
                   recording=recording_for(tmp_path / f"{name}-session.jsonl"))
    events: list = []
    c.subscribe(events.append)
    script = Actor("script", "script")
    actions = [act(INJECT, script, injection="pump_stop", start=T0 + i) for i in range(0, 40, 2)]
    actions += [
        act(INJECT, script, injection="no_such_thing", start=T0),          # refused
        act("override", channel="spo2", target=80, transition=10),
        act("override", channel="abp_mean", target=50, transition=10),   # derived: refused
        act(INJECT, injection="pump_stop", start=T0 + 5, id="pump_stop#3"),  # id in use
        act("stop", id="pump_stop#2"),
        act(ACKNOWLEDGE, BED),                                        # not batched: in order
        act(INJECT, injection="air_in_circuit:clamped_for_deairing", start=T0 + 50),
        act(SPEED, value=2.0),
        act(INJECT, injection="pump_stop", start=T0 + 70),
    ]
    if batched:
        done = c.apply_many(actions)
    else:
        done = [c.apply(a) for a in actions]
    c.advance(120, ticks=4)
    c.close()
    return c, [done, events]


def test_a_batch_of_disturbances_is_the_same_as_one_by_one(tmp_path):
    """apply_many(): the same completed actions, refusals, disturbances, recording,
    alarm log and values as apply() in a loop -- with one course rebuild per run."""
    one, (done1, events1) = _batch_session(tmp_path, "one", batched=False)
    many, (done2, events2) = _batch_session(tmp_path, "many", batched=True)
    assert done2 == done1
    assert sum(d is None for d in done1) == 3
    assert many.perturbations == one.perturbations
    assert many.course.perturbations == one.course.perturbations
    times = T0 + np.arange(0, 180, 1.0)
    v1, f1 = one.course.sample_grid(times)
    v2, f2 = many.course.sample_grid(times)
    assert all(np.array_equal(v1[k], v2[k], equal_nan=True) for k in v1)
    assert all(np.array_equal(f1[k], f2[k]) for k in f1) and f1.keys() == f2.keys()

    def lines(path):  # the wall stamps differ between the two runs, nothing else
        return [{k: v for k, v in json.loads(x).items() if k != "wall_time"}
                for x in path.read_text().splitlines()]
    for kind in ("session", "alarms"):
        assert lines(tmp_path / f"many-{kind}.jsonl") == lines(tmp_path / f"one-{kind}.jsonl")
    assert any(r.get("event") == "raise" for r in lines(tmp_path / "one-alarms.jsonl"))

    def summary(events):
        return [(type(e).__name__, getattr(e, "action", None), getattr(e, "seq", None))
                for e in events if type(e).__name__ in ("ActionApplied", "ActionRefused")]
    assert summary(events2) == summary(events1)
    # One course rebuild per run of disturbances (two runs, split by the acknowledge and
    # the speed change, and the last one), not one per disturbance.
    changed = [type(e).__name__ for e in events2].count("CourseChanged")
    assert changed == 3 < [type(e).__name__ for e in events1].count("CourseChanged")
    applied = [e for e in events2 if isinstance(e, ActionApplied)]
    assert [e.more for e in applied if e.action.kind == INJECT][-1] is False


def test_a_batch_raises_at_the_first_refusal_when_strict_keeping_those_before():
    c = controller()
    script = Actor("script", "script")
    with pytest.raises(ActionError, match="unknown injection"):
        c.apply_many([act(INJECT, script, injection="pump_stop", start=T0),
                      act(INJECT, script, injection="nope", start=T0),
                      act(INJECT, script, injection="pump_stop", start=T0 + 1)], strict=True)
    assert [p.id for p in c.perturbations] == ["pump_stop#1"]
    assert [p.id for p in c.course.perturbations] == ["pump_stop#1"]


def _batch_during_alarms(tmp_path, name: str, batched: bool) -> list[dict]:
    """Injections around an acknowledge while the pump-stop alarms sound."""
    c = controller(alarm_log=tmp_path / f"{name}-alarms.jsonl",
                   recording=recording_for(tmp_path / f"{name}-session.jsonl"))
    script = Actor("script", "script")
    c.apply(act(INJECT, script, injection="pump_stop", start=T0 + 1))
    c.advance(30, ticks=30)
    now = c.clock.case_time()
    actions = [act(INJECT, script, injection="hypotension", start=now + 1 + i) for i in range(3)]
    actions.insert(1, act(ACKNOWLEDGE, BED))
    actions.append(act(INJECT, script, injection="air_in_circuit", start=now + 9))
    if batched:
        c.apply_many(actions)
    else:
        for a in actions:
            c.apply(a)
    c.advance(20, ticks=20)
    c.close()
    return [{k: v for k, v in json.loads(x).items() if k != "wall_time"}
            for x in (tmp_path / f"{name}-session.jsonl").read_text().splitlines()]


def test_a_batch_records_alarm_lines_where_one_by_one_does(tmp_path):
    """An acknowledge inside a burst writes its alarm lines at once; the injections before
    it must still come first in the recording, as one by one (a follower or --inject
    replayed later would otherwise read the acknowledge before the injection)."""
    one = _batch_during_alarms(tmp_path, "one", batched=False)
    many = _batch_during_alarms(tmp_path, "many", batched=True)
    acks = [i for i, r in enumerate(one) if r.get("event") == "acknowledge"]
    assert acks, "the premise: alarms were active and acknowledged"
    assert many == one


def test_perturbation_data_is_every_field_as_plain_data():
    import dataclasses

    from dashboard.recording import perturbation_from_data, perturbation_to_data

    sc = COURSE.scenario
    from replay_data.perturbations import injection, override

    for p in [injection(sc, "pump_stop:clamped", T0, pid="a"),
              injection(sc, "air_in_circuit", T0, pid="b"),
              override("spo2", 80, T0, 10, None, pid="c")]:
        d = perturbation_to_data(p)
        want = dataclasses.asdict(p)
        want["flags"], want["effects"] = list(p.flags), list(want["effects"])
        assert d == want and json.loads(json.dumps(d)) == d
        assert perturbation_from_data(d) == p


def test_the_state_carries_the_locks_and_older_states_without_them_still_load():
    boss = controller()
    boss.apply(act("lock", console="ecmo", on=True))
    data = json.loads(json.dumps(boss.state().to_json()))
    assert data["locked"] == ["ecmo"]
    assert SessionState.from_json(data).locked == ("ecmo",)
    del data["locked"]  # a state published by an older version
    assert SessionState.from_json(data).locked == ()
    data["locked"] = "ecmo"
    with pytest.raises(ValueError, match="locked must be a list"):
        SessionState.from_json(data)
    boss.apply(act("lock", console="ecmo", on=False))
    assert boss.state().locked == ()
    boss.close()


def test_a_late_joiner_knows_a_locked_console_and_refuses_the_team_locally():
    wall = ManualWall(1000.0)
    boss = SessionController(COURSE, start=T0, wall=wall)
    boss.apply(act("lock", console="ecmo", on=True))
    state = SessionState.from_json(json.loads(json.dumps(boss.state().to_json())))
    follower = SessionController(COURSE, start=T0, wall=wall, authority=False)
    sent: list[Action] = []
    follower.uplink = sent.append
    seen = []
    follower.subscribe(seen.append)
    follower.adopt_state(state)
    assert follower.locked == {"ecmo"}
    follower.request(act("control", BED, control="control.ecmo.rpm", value=4000))
    refused = [e for e in seen if isinstance(e, ActionRefused)]
    assert sent == [] and len(refused) == 1 and "locked" in refused[0].reason
    # The ventilator is not locked: that setting goes up to the instructor.
    follower.request(act("control", BED, control="control.vent.fio2", value=80))
    assert [a.arg("control") for a in sent] == ["control.vent.fio2"]
    # The instructor may still set a locked console (overriding what the team set).
    follower.request(act("control", CONSOLE, control="control.ecmo.rpm", value=3000))
    assert [a.arg("control") for a in sent][-1] == "control.ecmo.rpm"
    # A state that locks a console nobody knows is refused before anything changes.
    bad = state.to_json()
    bad["locked"] = ["pump"]
    other = SessionController(COURSE, start=T0, wall=wall, authority=False)
    with pytest.raises(ValueError, match="unknown console 'pump'"):
        other.adopt_state(SessionState.from_json(bad))
    assert other.locked == set()
    for c in (boss, follower, other):
        c.close()


def test_a_followers_clock_never_goes_back_through_pre_brief_start_pause_resume():
    """Item 6 at the controller: the follower re-anchored on every state of a session
    that opens in its pre-brief, starts, pauses a moment after the follower saw it,
    and resumes. The follower's case time read at every frame never decreases."""
    from dashboard.core.actions import BEGIN, PAUSE, PLAY, Action, Actor
    from dashboard.core.clock import ManualWall
    from dashboard.core.events import StateChanged
    from dashboard.core.session_controller import SessionController
    from replay_data.course import Course

    course = Course.load()
    wall = ManualWall(1000.0)
    ins = SessionController(course, wall=wall, playing=False)
    bed = SessionController(course, wall=wall, authority=False, display="bed-1")
    states = []
    ins.subscribe(lambda ev: states.append(ev.state) if isinstance(ev, StateChanged)
                  else None)
    bed.adopt_state(ins.state())
    seen = []
    console = Actor("instructor", "console")

    def frames(n: int, dt: float = 0.05) -> None:
        for _ in range(n):
            wall.advance(dt)
            ins.tick()
            bed.tick()
            seen.append(bed.case_time())

    def deliver(late_s: float = 0.0) -> None:
        """The latest state reaches the bedside `late_s` of wall time after it was made
        (the bedside ran on meanwhile)."""
        frames(max(1, int(late_s / 0.05)))
        bed.follow_anchor(states[-1].anchor)
        seen.append(bed.case_time())

    frames(40)                                    # pre-brief: held
    ins.apply(Action.make(BEGIN, {}, console))
    deliver()
    frames(40)
    ins.apply(Action.make(PAUSE, {}, console))
    deliver(late_s=0.4)                           # it ran on 0.4 s before it heard
    frames(40)
    ins.apply(Action.make(PLAY, {}, console))
    deliver(late_s=0.2)
    frames(40)
    assert all(b >= a for a, b in zip(seen, seen[1:], strict=False)), seen
    assert abs(bed.case_time() - ins.case_time()) < 0.5
    ins.close()
    bed.close()
