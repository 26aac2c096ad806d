"""The three roles as their users meet them: the bedside monitor runs nothing, the
instructor's console runs everything and shows the bedside, and they never overlap."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import FREEZE_SCREEN, PAUSE, Action, Actor
from dashboard.recording import read_session
from dashboard.ui.placement import plan

CONSOLE = Actor("instructor", "console")
REPLAY_CONTROL_NAMES = ("controls", "control.play", "control.speed", "control.timeline",
                        "control.jump_event", "control.speed_note")


def instructor(s, kind: str, **args) -> None:
    assert s.controller.apply(Action.make(kind, args, CONSOLE)) is not None


def labels_text(widget) -> str:
    return " ".join(w.text() for w in widget.findChildren(QtWidgets.QLabel) if w.isVisible())


def test_the_bedside_monitor_has_no_replay_controls(make_session):
    s = make_session("ecmo_start+1d", role="monitor")
    for name in REPLAY_CONTROL_NAMES:
        assert s.window.findChild(QtCore.QObject, name) is None, name
    assert s.window.findChildren(QtWidgets.QSlider) == []
    # What a bedside monitor has is there.
    for name in ("control.acknowledge", "control.audio_pause", "control.alarm_pause",
                 "control.limits"):
        assert s.window.findChild(QtWidgets.QPushButton, name).isVisible(), name


def test_replay_keys_do_nothing_on_the_bedside_monitor(make_session, qtbot, tmp_path):
    path = tmp_path / "s.jsonl"
    s = make_session("ecmo_start+1d", role="monitor", session_log=path)
    clock, w = s.clock, s.window
    t0 = clock.case_time()
    k, shift = QtCore.Qt.Key, QtCore.Qt.KeyboardModifier.ShiftModifier
    for key, mod in [(k.Key_Space, None), (k.Key_Left, None), (k.Key_Right, None),
                     (k.Key_Right, shift), (k.Key_BracketRight, None),
                     (k.Key_BracketLeft, None), (k.Key_Home, None), (k.Key_End, None)]:
        if mod is None:
            qtbot.keyClick(w, key)
        else:
            qtbot.keyClick(w, key, mod)
    s.frame()
    assert (clock.case_time(), clock.speed, clock.playing) == (t0, 1.0, True)
    qtbot.keyClick(w, k.Key_A)  # alarm keys work
    s.close()
    rec = read_session(path)
    assert rec.instructor_actions() == []
    assert [(a.action, a.display) for a in rec.trainee_actions()] == [("acknowledge", "monitor")]


def test_the_bedside_keeps_sweeping_through_a_pause_unless_frozen(make_session):
    s = make_session("ecmo_start+1d", role="monitor")
    strip = s.window.strips["ecg_ii"]
    s.advance_virtual(2, frames=4)
    instructor(s, PAUSE)
    t_paused = s.clock.case_time()
    before = strip.visible_trace()
    for _ in range(10):
        s.wall.advance(0.1)
        s.frame()
    assert s.clock.case_time() == t_paused
    after = strip.visible_trace()
    changed = ~np.isclose(np.nan_to_num(before, nan=-999), np.nan_to_num(after, nan=-999))
    assert changed.sum() > 50  # about a second of new sweep
    assert "PAUSED" not in labels_text(s.window)
    # Its clock holds at the case time (running on, it would step back at resume).
    from replay_data.timeexpr import format_case_time

    clock_label = s.window.findChild(QtWidgets.QLabel, "clock.case_time")
    s.wall.advance(2)
    s.frame()
    assert clock_label.text() == format_case_time(t_paused)
    assert s.clock.case_time() == t_paused

    instructor(s, FREEZE_SCREEN, on=True)
    s.frame()
    frozen = strip.visible_trace()
    for _ in range(10):
        s.wall.advance(0.1)
        s.frame()
    np.testing.assert_array_equal(strip.visible_trace(), frozen)
    assert clock_label.text() == format_case_time(t_paused)
    note = s.window.findChild(QtWidgets.QLabel, "monitor.note")
    assert note.isVisible() and "PAUSED" in note.text()


def test_the_demo_window_shows_its_own_pause(make_session):
    s = make_session("ecmo_start+1d")
    s.window.toggle_play()
    assert "PAUSED" in s.window.findChild(QtWidgets.QLabel, "control.speed_note").text()


def test_the_console_shows_the_bedside_and_records_its_trainee_actions(make_session,
                                                                       tmp_path):
    path = tmp_path / "s.jsonl"
    s = make_session("ecmo_start+1d", instructor=True, session_log=path)
    console = s.console
    console.resize(900, 1000)
    console.show()
    mirror = console.findChild(QtWidgets.QWidget, "mirror")
    assert mirror is not None
    for name in REPLAY_CONTROL_NAMES:
        assert s.window.findChild(QtCore.QObject, name) is None, name
    s.inject("pump_stop")
    s.advance_virtual(60, frames=30)
    for name in ("numeric.spo2", "numeric.ecmo_flow", "numeric.hr"):
        assert mirror.findChild(QtWidgets.QLabel, name).text() == \
            s.window.findChild(QtWidgets.QLabel, name).text(), name
    # The highest technical alarm leads on both (the narrower copy may elide the rest).
    assert mirror.findChild(QtWidgets.QWidget, "alarm.technical").text().startswith(
        "*** ECMO flow critically low")
    assert s.window.findChild(QtWidgets.QWidget, "alarm.technical").text().startswith(
        "*** ECMO flow critically low")
    # The mirror is a copy: no alarm keys of its own.
    assert not mirror.findChild(QtWidgets.QPushButton, "control.acknowledge").isVisible()
    s.window.findChild(QtWidgets.QPushButton, "control.acknowledge").click()
    s.advance_virtual(1, frames=1)
    alarms = console.findChild(QtWidgets.QListWidget, "instructor.alarms")
    assert any("(acknowledged)" in alarms.item(i).text() for i in range(alarms.count()))
    freeze = console.findChild(QtWidgets.QCheckBox, "instructor.freeze")
    freeze.setChecked(True)
    assert s.controller.freeze_screen
    s.close()
    rec = read_session(path)
    assert [(a.action, a.display) for a in rec.trainee_actions()] == [("acknowledge", "monitor")]
    assert [(a.action, a.display, a.fields["on"]) for a in rec.instructor_actions()] == \
        [("freeze_screen", "console", True)]


@pytest.mark.parametrize("screens, how", [
    ([QtCore.QRect(0, 0, 1920, 1040), QtCore.QRect(1920, 0, 1920, 1080)], "screens"),
    ([QtCore.QRect(0, 0, 1920, 1040)], "side_by_side"),
    ([QtCore.QRect(0, 0, 1366, 738)], "tabbed"),
])
def test_the_console_never_covers_the_monitor(screens, how):
    p = plan(screens)
    assert p.how == how
    if how == "screens":
        assert p.monitor == screens[1] and p.console == screens[0]
    elif how == "side_by_side":
        assert not p.monitor.intersects(p.console)
        assert screens[0].contains(p.monitor) and screens[0].contains(p.console)
        assert p.monitor.width() >= 1000
    else:
        assert p.console is None


def test_instructor_on_one_small_screen_opens_tabs(make_session):
    from dashboard.ui.placement import place_instructor

    s = make_session("ecmo_start+1d", instructor=True)
    app = QtWidgets.QApplication.instance()
    tabs = place_instructor(app, s.window, s.console)
    s.extra_windows.append(tabs)
    area = app.primaryScreen().availableGeometry()
    if plan([area]).how == "tabbed":
        assert tabs is not None and tabs.objectName() == "instructor.tabs"
        assert tabs.count() == 2 and tabs.widget(0) is s.window
    else:
        assert not s.window.frameGeometry().intersects(s.console.frameGeometry())


def test_a_recording_replays_identically_in_the_window_at_any_speed(make_session, tmp_path,
                                                                    qtbot):
    """Trainee actions at odd moments replayed at 1x to 600x, few or many frames: the
    same alarm log (today's failure was 'case time went back ... call reset()')."""
    from dashboard.recording import course_for
    from dashboard.session import MonitorSession

    path, live_log = tmp_path / "s.jsonl", tmp_path / "live.jsonl"
    s = make_session("ecmo_start+1d", session_log=path, alarm_log=live_log)
    s.inject("pump_stop")
    s.advance_virtual(33.7, frames=3)
    s.window.acknowledge()
    s.advance_virtual(11.2, frames=2)
    s.window.audio_pause()
    s.window.set_speed(60)
    s.advance_virtual(300.5, frames=3)
    s.window.acknowledge()
    s.advance_virtual(120, frames=2)
    s.close()

    def events(p):
        return [(x["case_time"], x["event"], x["alarm_id"])
                for x in map(json.loads, p.read_text().splitlines())]
    live = events(live_log)
    assert sum(e[1] == "acknowledge" for e in live) >= 2
    rec = read_session(path)
    # 1x in 150 frames (about 3 s of case time each, every event many frames apart) is
    # the many-frames case; the controller's own test replays 1 s ticks headless
    # (tests/dashboard/core/test_session_controller.py), where a frame costs no drawing.
    for speed, frames in [(None, 40), (1, 150), (600, 3)]:
        log = tmp_path / f"replay-{speed}.jsonl"
        r = MonitorSession.from_recording(rec, course_for(rec), speed=speed,
                                          virtual_clock=True, mute=True, alarm_log=log)
        qtbot.addWidget(r.window)
        r.advance_virtual(465.4, frames=frames)
        r.close()
        assert [e for e in events(log) if e[0] <= live[-1][0]] == live, speed
