"""The networked bedside as the app builds it (MonitorSession + dashboard.session_net)
with the instructor's session on a real embedded broker, both in this process on one
hand-driven wall clock: the network delivers, the test moves time."""

from __future__ import annotations

import json
import re
import time

import pytest
from PySide6 import QtWidgets

from dashboard.core.actions import BEGIN, LOCK, PAUSE, PLAY, Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.net.broker import EmbeddedBroker
from dashboard.net.link import BrokerUrl
from dashboard.session import CURRENT, MonitorSession
from dashboard.session_net import attach_instructor, attach_monitor
from replay_data.course import Course

ROOM = "gui1"
CONSOLE = Actor("instructor", "console")
DEADLINE_S = 20.0


@pytest.fixture
def room(qtbot, tmp_path):
    made: list = []
    with EmbeddedBroker(port=0) as broker:
        wall = ManualWall(1_000_000.0)
        net = {"url": BrokerUrl.parse(broker.url), "room": ROOM, "credentials": None,
               "display": "bed-1"}

        def instructor(course: Course, **kw) -> MonitorSession:
            s = MonitorSession.create(course, instructor=True, mute=True,
                                      network_wall=wall, playing=False,
                                      session_log=tmp_path / "session.jsonl",
                                      alarm_log=tmp_path / "console.jsonl", **kw)
            s.timer.stop()  # frames are the test's
            made.append((s, attach_instructor(s, net)))
            return s

        def bedside(course: Course, **kw) -> MonitorSession:
            s = MonitorSession.create(course, role="monitor", mute=True, display="bed-1",
                                      network_wall=wall, authority=False,
                                      alarm_log=tmp_path / "bed-1.jsonl", **kw)
            s.timer.stop()
            made.append((s, attach_monitor(s, net)))
            return s

        yield wall, instructor, bedside, made
        for s, bridge in made:
            bridge.stop()
            s.close()


def run(made, wall: ManualWall, until=lambda: False, *, frames: int | None = None,
        dt: float = 0.05, each=lambda: None, what: str = "condition") -> None:
    """Frames of every session (each pumps its bridge, then ticks), the wall moved `dt`
    per frame; until a condition (network delivery takes real time) or `frames`."""
    end = time.monotonic() + DEADLINE_S
    n = 0
    while True:
        wall.advance(dt)
        for s, _bridge in made:
            s._frame_timer()
        QtWidgets.QApplication.processEvents()
        each()
        n += 1
        if frames is not None and n >= frames:
            return
        if frames is None and until():
            return
        if frames is None and time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_the_bedside_teams_consoles_act_through_the_instructor_as_the_display(
        room, case_course, qtbot, tmp_path):
    wall, instructor, bedside, made = room
    t0 = case_course.scenario.resolve("ecmo_start+1d")
    ins = instructor(case_course, start=t0)
    bed = bedside(case_course, consoles=("ecmo", "vent"))
    bed_bridge = made[-1][1]
    run(made, wall, lambda: bed_bridge.synced, what="sync")
    assert bed in CURRENT and ins in CURRENT
    names = [c.objectName() for c in bed.consoles]
    assert names == ["console.ecmo", "console.vent"]
    ecmo = bed.consoles[0]
    clamp = ecmo.findChild(QtWidgets.QPushButton, "control.ecmo.clamp_drainage")
    ecmo.show()
    clamp.click()
    run(made, wall, lambda: any(p.name == "control.ecmo.clamp_drainage"
                                for p in ins.controller.perturbations), what="the clamp")
    # ... applied by the instructor as the trainee at bed-1, and back on the bedside.
    run(made, wall, lambda: bed.controller.seq == ins.controller.seq, what="echo")
    assert any(p.name == "control.ecmo.clamp_drainage" for p in bed.controller.perturbations)
    records = [json.loads(line) for line in
               (tmp_path / "session.jsonl").read_text(encoding="utf-8").splitlines()]
    clamps = [r for r in records if r.get("type") == "perturbation"
              and r["perturbation"]["name"] == "control.ecmo.clamp_drainage"]
    assert len(clamps) == 1 and clamps[0]["display"] == "bed-1"
    # The instructor locks the pump console: the bedside's shows it and refuses.
    ins.controller.apply(Action.make(LOCK, {"console": "ecmo", "on": True}, CONSOLE))
    run(made, wall, lambda: "ecmo" in bed.controller.locked, what="the lock")
    run(made, wall, frames=2)
    ecmo.sync()
    locked = ecmo.findChild(QtWidgets.QLabel, "console.ecmo.locked")
    assert not locked.isHidden() and "LOCKED BY THE INSTRUCTOR" in locked.text()
    assert not clamp.isEnabled()
    assert bed.consoles[1].findChild(QtWidgets.QWidget, "control.vent.fio2").isEnabled()
    bed.close()
    assert bed not in CURRENT


def shown_seconds(window: QtWidgets.QWidget) -> int:
    text = window.findChild(QtWidgets.QLabel, "clock.case_time").text()
    m = re.fullmatch(r"Day (\d+) (\d\d):(\d\d):(\d\d)", text)
    assert m, text
    d, hh, mm, ss = (int(x) for x in m.groups())
    return (d * 24 + hh) * 3600 + mm * 60 + ss


def test_a_drill_chosen_in_the_pre_brief_reaches_the_bedside_and_its_clock_never_goes_back(
        room, case_course, qtbot):
    """The instructor picks the drill on the console in the pre-brief: the bedside, on
    the default case, is made again on it (window and consoles), nothing stale left;
    then Start, a pause and a resume: the clock label read frame by frame never
    decreases."""
    wall, instructor, bedside, made = room
    ins = instructor(case_course)
    bed = bedside(case_course, consoles=("ecmo",))
    bed_bridge = made[-1][1]
    run(made, wall, lambda: bed_bridge.synced, what="sync")
    old_window, old_console = bed.window, bed.consoles[0]
    ins.change_scenario("pump_stop_day2")
    run(made, wall, lambda: bed.controller.course.scenario.id == "pump_stop_day2",
        what="the drill at the bedside")
    assert bed.window is not old_window and bed.consoles[0] is not old_console
    assert bed.consoles[0].controller is bed.controller
    assert not bed_bridge.refused
    assert bed.controller.session_id == ins.controller.session_id
    assert {a.alarm_id for a in bed.controller.alarms.active_alarms()} == \
        {a.alarm_id for a in ins.controller.alarms.active_alarms()}
    bed.window.show()

    shown: list[int] = []

    def read() -> None:
        shown.append(shown_seconds(bed.window))

    run(made, wall, frames=30, dt=0.1, each=read)          # 3 s of pre-brief: held
    assert len(set(shown)) == 1
    ins.controller.apply(Action.make(BEGIN, {}, CONSOLE))
    run(made, wall, frames=30, dt=0.1, each=read)
    ins.controller.apply(Action.make(PAUSE, {}, CONSOLE))
    run(made, wall, frames=30, dt=0.1, each=read)
    ins.controller.apply(Action.make(PLAY, {}, CONSOLE))
    run(made, wall, frames=30, dt=0.1, each=read)
    back = [i for i in range(1, len(shown)) if shown[i] < shown[i - 1]]
    assert not back, (back, shown[max(0, back[0] - 3):back[0] + 3])
    assert shown[-1] > shown[0]
    assert abs(bed.controller.case_time() - ins.controller.case_time()) < 1.0


def test_a_bedside_that_cannot_follow_says_so_in_its_own_banner(room, case_course, qtbot,
                                                                tmp_path):
    from importlib import resources

    from replay_data.scenario import load_scenario

    text = (resources.files("resources.scenarios") / "sle_dah_ecmo.toml").read_text(
        encoding="utf-8")
    custom = tmp_path / "ours.toml"
    custom.write_text(text.replace('id = "sle_dah_ecmo"', 'id = "our_case"', 1),
                      encoding="utf-8")
    wall, instructor, bedside, made = room
    instructor(Course(load_scenario(str(custom))))
    bed = bedside(case_course)
    bed_bridge = made[-1][1]
    run(made, wall, lambda: bool(bed_bridge.refused), what="refusal")
    run(made, wall, frames=2)
    banner = bed.window.findChild(QtWidgets.QLabel, "monitor.refused")
    assert banner is not None and not banner.isHidden()
    assert "our_case" in banner.text() and "does not have" in banner.text()
    # Not squeezed into the alarm bar.
    assert "our_case" not in " ".join(w.text() for w in bed.window.alarm_bar.findChildren(
        QtWidgets.QLabel))


def test_a_bedside_before_its_first_session_state_says_it_is_waiting(room, case_course,
                                                                     qtbot):
    """Before the instructor's first state the bedside shows the scenario's opening
    moment, frozen: a banner across it says those numbers are not a session yet, and it
    goes as soon as the bedside is in step."""
    wall, instructor, bedside, made = room
    bed = bedside(case_course)
    bed_bridge = made[-1][1]
    run(made, wall, frames=20)
    waiting = bed.window.findChild(QtWidgets.QLabel, "monitor.waiting")
    assert waiting is not None and not waiting.isHidden()
    assert "WAITING FOR THE INSTRUCTOR" in waiting.text() and "bed-1" in waiting.text()
    assert "not a session" in waiting.text()
    instructor(case_course)
    run(made, wall, lambda: bed_bridge.synced, what="sync")
    run(made, wall, frames=2)
    assert waiting.isHidden()
