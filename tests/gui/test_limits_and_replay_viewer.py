"""The alarm limits dialog as a proper window listing every parameter's limits, and the
replay of a recorded session as a debrief viewer: the timeline zoomed to the session
played (the whole case on request), "Jump to" every injection, alarm episode, note and
bookmark."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from widget_support import child

from dashboard.core.actions import Action, Actor
from dashboard.recording import course_for, read_session
from dashboard.session import MonitorSession
from replay_data.timeexpr import format_case_time


def test_limits_dialog_lists_every_parameter_in_a_framed_window(make_session, tmp_path):
    s = make_session("ecmo_start+2h", alarm_log=tmp_path / "a.jsonl")
    dlg = s.window.open_limits("hr")
    flags = dlg.windowFlags()
    assert not flags & QtCore.Qt.WindowType.FramelessWindowHint
    assert flags & QtCore.Qt.WindowType.WindowTitleHint and dlg.windowTitle() == "Alarm limits"
    assert dlg.width() >= 480 and dlg.height() >= 400
    table = child(dlg, QtWidgets.QTableWidget, "limits.table")
    params = list(s.controller.profile.parameters)
    assert table.rowCount() == len(params) > 5
    hr = params.index("hr")
    low, high = s.alarms.limits("hr")
    assert (table.item(hr, 1).text(), table.item(hr, 2).text()) == (f"{low:.0f}", f"{high:.0f}")
    assert table.currentRow() == hr
    # Choosing a row edits that parameter.
    spo2 = params.index("spo2")
    table.setCurrentCell(spo2, 0)
    assert dlg.parameter.currentData() == "spo2"
    # Applied: said in the window's own colour, and the table shows the new limit.
    table.setCurrentCell(hr, 0)
    dlg.high.setValue(140)
    dlg.apply_button.click()
    assert dlg.error.text() == "Applied." and "ff5252" not in dlg.error.styleSheet()
    assert table.item(hr, 2).text() == "140"
    # A refusal stands out.
    dlg.low.setValue(150)
    assert not dlg.apply() and "ff5252" in dlg.error.styleSheet()
    dlg.close()


def test_replay_zooms_to_the_session_and_jumps_to_its_moments(make_session, tmp_path, qtbot):
    path = tmp_path / "session.jsonl"
    s = make_session("ecmo_start+1d", instructor=True, session_log=path)
    boss = Actor("instructor", "console")
    s.advance_virtual(30, frames=3)
    s.inject("pump_stop", duration=120)
    t_inject = s.clock.case_time()
    s.advance_virtual(40, frames=4)
    s.controller.apply(Action.make("note", {"text": "clamped late"}, boss))
    t_note = s.clock.case_time()
    s.advance_virtual(20, frames=2)
    s.controller.apply(Action.make("note", {"text": "bookmark", "bookmark": True}, boss))
    s.advance_virtual(20, frames=2)
    s.close()

    rec = read_session(path)
    replay = MonitorSession.from_recording(rec, course_for(rec), virtual_clock=True,
                                           mute=True)
    qtbot.addWidget(replay.window)
    w = replay.window
    timeline = child(w, QtWidgets.QSlider, "control.timeline")
    lo, hi = rec.span
    assert timeline.minimum() <= lo and timeline.maximum() >= hi
    assert timeline.maximum() - timeline.minimum() < 600  # the session, not 24 days
    whole = child(w, QtWidgets.QCheckBox, "control.whole_case")
    whole.setChecked(True)
    sc = replay.course.scenario
    assert (timeline.minimum(), timeline.maximum()) == (int(sc.start), int(sc.end))
    whole.setChecked(False)
    assert timeline.maximum() - timeline.minimum() < 600

    combo = child(w, QtWidgets.QComboBox, "control.jump_event")
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert f"{format_case_time(t_inject)}  Injection: Pump stop (Power loss: pump stopped)" \
        in texts
    assert f"{format_case_time(t_note)}  Note: clamped late" in texts
    assert any(t.endswith("  Bookmark") for t in texts)
    assert any("Alarm: *** ECMO pump stopped" in t for t in texts), texts
    assert any(e.label in t for e in sc.events for t in texts)  # the case's events stay
    i = texts.index(f"{format_case_time(t_note)}  Note: clamped late")
    combo.activated.emit(i)
    assert abs(replay.clock.case_time() - t_note) < 1
    replay.close()
