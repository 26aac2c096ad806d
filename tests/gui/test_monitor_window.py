"""The monitor as a trainee sees it, driven by a hand-moved clock (no sleeps)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from replay_data.timeexpr import format_case_time


def label(window, name: str) -> QtWidgets.QLabel:
    w = window.findChild(QtWidgets.QLabel, name)
    assert w is not None, f"no label {name}"
    return w


def number(window, name: str) -> float:
    return float(label(window, name).text().strip("()"))


def test_spo2_tile_before_and_after_ecmo(make_session, case_course):
    s = make_session("abg_pre_ecmo-5m")
    w = s.window
    assert number(w, "numeric.spo2") < 75
    assert label(w, "numeric.ecmo_flow").text() == "---"  # no circuit yet
    # Ten minutes after the pump starts, case time driven by hand.
    w.seek(case_course.scenario.resolve("ecmo_start"))
    s.advance_virtual(600, frames=20)
    assert number(w, "numeric.spo2") > 99


def test_ecmo_panel_reads_case_settings_after_flow_target(make_session):
    s = make_session("ecmo_flow_target+2m")
    w = s.window
    assert abs(number(w, "numeric.ecmo_flow") - 3.7) <= 0.15
    assert number(w, "numeric.sweep_flow") == 3.6
    assert number(w, "numeric.fdo2") == 100
    assert number(w, "numeric.fio2") == 100  # ventilator still at FiO2 1.0 (case)


def test_clock_shows_day_and_ecmo_time(make_session, case_course):
    s = make_session("ecmo_start+1d2h3m")
    t = case_course.scenario.resolve("ecmo_start+1d2h3m")
    assert label(s.window, "clock.case_time").text() == format_case_time(t)
    assert label(s.window, "clock.ecmo_time").text() == "ECMO run 1 d 02:03"


def test_play_pause_speed_and_seek_by_hand(make_session, case_course):
    s = make_session("abg_pre_ecmo-5m")
    w, clock = s.window, s.clock
    t0 = clock.case_time()
    s.advance_virtual(30)
    assert clock.case_time() == t0 + 30
    play = w.findChild(QtWidgets.QPushButton, "control.play")
    play.click()  # pause
    assert not clock.playing and play.text() == "Play"
    s.wall.advance(100)
    s.frame()
    assert clock.case_time() == t0 + 30
    play.click()  # resume
    speed = w.findChild(QtWidgets.QComboBox, "control.speed")
    speed.setCurrentIndex(speed.findData(60.0))
    speed.activated.emit(speed.currentIndex())
    assert clock.speed == 60
    s.wall.advance(2)
    s.frame()
    assert clock.case_time() == t0 + 30 + 120
    note = w.findChild(QtWidgets.QLabel, "control.speed_note").text()
    assert "current morphology" in note
    target = case_course.scenario.resolve("ecmo_end")
    w.seek(target)
    assert clock.case_time() == target
    timeline = w.findChild(QtWidgets.QSlider, "control.timeline")
    assert timeline.value() == int(target)
    assert label(w, "clock.case_time").text() == format_case_time(target)


def test_keyboard_controls(make_session, qtbot):
    s = make_session("abg_pre_ecmo-5m")
    w, clock = s.window, s.clock
    w.activateWindow()
    w.setFocus()
    t0 = clock.case_time()
    qtbot.keyClick(w, QtCore.Qt.Key.Key_Right)
    assert clock.case_time() == t0 + 10
    qtbot.keyClick(w, QtCore.Qt.Key.Key_Left, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert clock.case_time() == t0 + 10 - 600
    qtbot.keyClick(w, QtCore.Qt.Key.Key_BracketRight)
    assert clock.speed == 2
    qtbot.keyClick(w, QtCore.Qt.Key.Key_BracketLeft)
    assert clock.speed == 1
    qtbot.keyClick(w, QtCore.Qt.Key.Key_Space)
    assert not clock.playing
    qtbot.keyClick(w, QtCore.Qt.Key.Key_End)
    assert clock.case_time() == s.course.scenario.end


def test_jump_to_event(make_session, case_course):
    s = make_session("abg_pre_ecmo-5m")
    combo = s.window.findChild(QtWidgets.QComboBox, "control.jump_event")
    idx = next(i for i in range(combo.count())
               if combo.itemData(i) == case_course.scenario.resolve("extubation"))
    combo.activated.emit(idx)
    assert s.clock.case_time() == case_course.scenario.resolve("extubation")
    assert label(s.window, "numeric.etco2").text() == "---"  # extubated: no capnography


def test_results_appear_only_once_drawn(make_session):
    s = make_session("abg_pre_ecmo-1m")
    assert label(s.window, "result.ph").text() != "pH 7.22"
    s.advance_virtual(120, frames=4)
    assert label(s.window, "result.ph").text() == "pH 7.22 L"
    assert label(s.window, "result.pao2").text().startswith("PaO2 48")
    assert label(s.window, "result_time.abg").text() == "drawn Day 12 16:00:00"


def test_every_value_and_control_is_named(make_session):
    s = make_session()
    w = s.window
    for cid in ("hr", "spo2", "abp_sys", "abp_dia", "abp_mean", "cvp", "rr", "etco2", "temp",
                "fio2", "peep", "ecmo_rpm", "ecmo_flow", "sweep_flow", "fdo2", "p_venous",
                "p_int", "p_art", "delta_p", "svo2", "heparin_rate", "norepinephrine_rate",
                "act"):
        lab = label(w, f"numeric.{cid}")
        assert lab.accessibleName(), cid
    for sig in ("ecg_ii", "pleth", "abp", "cvp", "co2"):
        assert w.findChild(QtWidgets.QFrame, f"waveform.{sig}") is not None
    for name in ("control.play", "control.speed", "control.timeline", "clock.case_time"):
        found = w.findChild(QtWidgets.QWidget, name)
        assert found is not None and found.accessibleName(), name


def test_trend_view_marks_alarm_episodes(make_session):
    s = make_session("ecmo_start+30m")
    trends = s.window.trends
    trends.update_alarm_bars_now()  # normally 0.3 s after the view stops moving
    ids = {(iv.alarm_id, iv.priority.name) for iv in trends.alarm_intervals}
    assert ("spo2.low", "HIGH") in ids  # the pre-ECMO desaturation in the last hour
    desat = next(iv for iv in trends.alarm_intervals if iv.alarm_id == "spo2.low")
    # Its condition ended minutes after the pump started (SpO2 over 99 %).
    ecmo_start = s.course.scenario.resolve("ecmo_start")
    assert ecmo_start < desat.end < ecmo_start + 600
    x, _ = trends.alarm_curves[desat.priority].getData()
    assert x is not None and len(x) >= 2
    s.window.findChild(QtWidgets.QPushButton, "control.trend_window.course").click()
    s.window.trends.show_time(s.clock.case_time())
    trends.update_alarm_bars_now()
    # Whole course (so far): every alarm episode since admission, the desaturation too.
    whole = {(iv.alarm_id, iv.priority.name) for iv in trends.alarm_intervals}
    assert ("spo2.low", "HIGH") in whole
    assert min(iv.start for iv in trends.alarm_intervals) < desat.start



def test_a_two_minute_pump_stop_shows_in_the_default_trend_window(make_session):
    s = make_session("ecmo_start+1d", size=(1366, 768))
    trends = s.window.trends
    s.inject("pump_stop", duration=120)
    s.advance_virtual(180, frames=30)
    trends.show_time(s.clock.case_time())
    x, y = trends.curves["ecmo_flow"].getData()
    t = np.asarray(x) * 3600.0
    stop = s.perturbations[-1].start
    during = np.asarray(y)[(t > stop + 20) & (t < stop + 100)]
    before = np.asarray(y)[t < stop - 60]
    assert len(during) >= 8  # drawn with many points, not one or two
    assert np.nanmax(during) < np.nanmin(before) - 0.2  # a clear dip in its band


def test_the_alarm_keys_work_wherever_the_focus_is_on_the_monitor(make_session, qtbot):
    """A key pressed on the monitor's screen reaches it whatever widget has the focus:
    the A key with the tabular trend focused acknowledges (it used to go to the table);
    the trend review keeps its own Left/Right for its cursor."""
    from PySide6 import QtTest

    s = make_session("abg_pre_ecmo-5m", role="monitor")
    w = s.window
    w.show_trends(True)
    w.trends.tabs.setCurrentIndex(1)
    table = w.findChild(QtWidgets.QTableView, "trend.table")
    table.setFocus()
    assert w.window().focusWidget() is table
    assert any(a.state.value != "acknowledged" for a in s.alarms.active_alarms())
    QtTest.QTest.keyClick(w.windowHandle(), QtCore.Qt.Key.Key_A)
    assert s.alarms.active_alarms() and all(
        a.state.value == "acknowledged" for a in s.alarms.active_alarms())
    # S (audio pause) too, from the same focus.
    QtTest.QTest.keyClick(w.windowHandle(), QtCore.Qt.Key.Key_S)
    assert s.alarms.status().audio_paused_remaining_s is not None
    # The cursor's own keys stay the trend review's.
    w.trends.tabs.setCurrentIndex(0)
    w.trends.setFocus()
    before = w.trends.cursor_time()
    QtTest.QTest.keyClick(w.windowHandle(), QtCore.Qt.Key.Key_Left)
    assert w.trends.cursor_time() < before
