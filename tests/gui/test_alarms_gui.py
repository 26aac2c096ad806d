"""Alarms as the trainee meets them: the bar, flashing tiles, acknowledge, audio pause,
the limits dialog, and the log. Clock and wall time are driven by hand."""

from __future__ import annotations

import json
import os
import re

from PySide6 import QtWidgets

from dashboard.ui.alarm_audio import RecordingAudio


def text(window, name: str) -> str:
    w = window.findChild(QtWidgets.QWidget, name)
    assert w is not None, name
    return w.text() if hasattr(w, "text") else w.accessibleDescription()


def log_lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _has_colour(image, colour: str) -> bool:
    return any(image.pixelColor(x, y).name() == colour
               for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))


def test_pre_ecmo_alarms_show_flash_and_sound(make_session, tmp_path):
    audio = RecordingAudio()
    s = make_session("abg_pre_ecmo-5m", alarm_log=tmp_path / "a.jsonl", audio=audio)
    w = s.window
    phys = w.findChild(QtWidgets.QWidget, "alarm.physiological").accessibleDescription()
    assert phys.startswith("*** Desat")
    # The value against the limit it crossed, as monitors print it.
    assert re.match(r"\*\*\* Desat (\d+) < 80", phys) and int(re.match(
        r"\*\*\* Desat (\d+)", phys).group(1)) < 63
    assert "** ABP low" in phys  # sys, dia and mean folded into one alarm
    # SpO2 tile flashes red at about 2 Hz: lit, then dark a quarter second later.
    tile = w.tiles["spo2"]
    value = w.findChild(QtWidgets.QLabel, "numeric.spo2")
    s.wall.now = 10.0
    s.frame()
    assert tile.property("alarm") == "#ff1744"
    # What a trainee sees: the tile red, its number black on red.
    lit = tile.grab().toImage()
    assert lit.pixelColor(3, tile.height() // 2).name() == "#ff1744"
    assert _has_colour(value.grab().toImage(), "#000000")
    s.wall.now = 10.25
    s.frame()
    assert tile.property("alarm") == ""
    dark = tile.grab().toImage()
    assert dark.pixelColor(3, tile.height() // 2).name() == "#000000"
    assert not _has_colour(value.grab().toImage(), "#ff1744")
    # The loudest alarm sounds with the oxygen melody at high priority.
    assert audio.played[-1] is not None and audio.played[-1][0].name == "HIGH"
    assert audio.played[-1][1].value == "oxygen"
    lines = log_lines(tmp_path / "a.jsonl")
    assert {(x["event"], x["alarm_id"]) for x in lines} >= {("present", "spo2.low"),
                                                           ("present", "abp_low")}


def test_acknowledge_and_audio_pause_with_countdown(make_session, tmp_path):
    audio = RecordingAudio()
    s = make_session("abg_pre_ecmo-5m", alarm_log=tmp_path / "a.jsonl", audio=audio)
    w = s.window
    w.findChild(QtWidgets.QPushButton, "control.audio_pause").click()
    assert text(w, "alarm.status").startswith("AUDIO PAUSED 2:00")
    assert audio.played[-1] is None  # silence while paused
    s.advance_virtual(30)
    assert text(w, "alarm.status").startswith("AUDIO PAUSED 1:30")
    s.advance_virtual(95)
    assert "AUDIO PAUSED" not in text(w, "alarm.status")
    assert audio.played[-1] is not None  # the still-active alarms sound again
    w.findChild(QtWidgets.QPushButton, "control.acknowledge").click()
    assert all(a.state.value == "acknowledged" for a in s.alarms.active_alarms())
    assert "(ack)" in w.findChild(QtWidgets.QWidget, "alarm.physiological").accessibleDescription()
    assert w.tiles["spo2"].property("alarm") == ""  # acknowledged: the tile stops flashing
    events = [x["event"] for x in log_lines(tmp_path / "a.jsonl")]
    assert "audio_paused" in events and "acknowledge" in events
    history = w.findChild(QtWidgets.QListWidget, "alarm.history")
    assert any("acknowledge" in history.item(i).text() for i in range(history.count()))


def test_alarms_clear_after_ecmo_and_latched_desat_waits(make_session):
    s = make_session("ecmo_start-1m", speed=10)
    # 75 frames of a case minute each: the engine still sees every case second (the alarm
    # history catches up sample by sample between frames); the frames only paint.
    s.advance_virtual(75 * 60, frames=75)
    active = {a.alarm_id: a for a in s.alarms.active_alarms()}
    assert "abp_low" not in active  # pressure recovered after ECMO
    assert active["spo2.low"].state.value == "latched"  # high priority: waits for ack
    assert not active["spo2.low"].condition_active
    s.window.acknowledge()
    assert "spo2.low" not in {a.alarm_id for a in s.alarms.active_alarms()}


def test_limits_dialog_changes_limit_and_logs(make_session, tmp_path):
    s = make_session("ecmo_start+2h", alarm_log=tmp_path / "a.jsonl")
    w = s.window
    dlg = w.open_limits("hr")
    assert dlg.objectName() == "dialog.limits"
    dlg.high.setValue(140)
    dlg.apply_button.click()
    assert s.alarms.limits("hr")[1] == 140
    s.frame()
    assert w.findChild(QtWidgets.QLabel, "limits.hr").text().startswith("140")
    assert any(x["event"] == "limits_changed" for x in log_lines(tmp_path / "a.jsonl"))
    # An impossible limit is refused with a message, not a crash.
    dlg.low.setValue(150)
    assert not dlg.apply()
    assert "below" in dlg.error.text() or "limit" in dlg.error.text()
    dlg.close()


def test_pump_stop_raises_circuit_alarm_apart_from_physiological(make_session):
    s = make_session("ecmo_start+1d")
    s.inject("pump_stop")
    s.advance_virtual(30, frames=3)
    tech = s.window.findChild(QtWidgets.QWidget, "alarm.technical").accessibleDescription()
    assert tech.startswith("***") and "*** ECMO pump stopped" in tech
    phys = s.window.findChild(QtWidgets.QWidget, "alarm.physiological").accessibleDescription()
    assert "pump" not in phys


def test_double_click_on_a_tile_opens_its_limits(make_session, qtbot):
    s = make_session("ecmo_start+2h")
    opened = []
    original = s.window.open_limits
    s.window.tiles["hr"].limits_requested.disconnect()
    s.window.tiles["hr"].limits_requested.connect(lambda p: opened.append(original(p)))
    qtbot.mouseDClick(s.window.tiles["hr"], __import__("PySide6").QtCore.Qt.MouseButton.LeftButton)
    assert opened and opened[0].parameter.currentData() == "hr"
    assert opened[0].high.value() == s.alarms.limits("hr")[1]
    opened[0].close()


def test_no_audio_device_falls_back_to_silence_and_says_so():
    from PySide6 import QtMultimedia

    from dashboard.alarms import load_profile
    from dashboard.ui.alarm_audio import QtAlarmAudio, SilentAudio, make_audio

    audio = make_audio(load_profile("sle_dah_ecmo"), mute=False)
    if QtMultimedia.QMediaDevices.audioOutputs():
        assert isinstance(audio, QtAlarmAudio)
    else:
        assert isinstance(audio, SilentAudio) and "NO AUDIO DEVICE" in audio.note
    audio.close()
    assert make_audio(load_profile("sle_dah_ecmo"), mute=True).note == "MUTED"


def test_limits_dialog_switches_an_alarm_off_where_allowed(make_session, tmp_path):
    s = make_session("ecmo_start+2h", alarm_log=tmp_path / "a.jsonl")
    dlg = s.window.open_limits("temp")
    dlg.high.setValue(dlg.high.minimum())  # "off"
    dlg.apply_button.click()
    assert dlg.error.text() == "Applied."
    assert "temp.high" in s.alarms.status().alarms_off
    assert "ALARM OFF" in s.window.findChild(QtWidgets.QLabel, "alarm.status").text()
    dlg.close()
    # Desat cannot be switched off: switching SpO2 low off keeps the Desat level on.
    dlg = s.window.open_limits("spo2")
    dlg.low.setValue(dlg.low.minimum())
    dlg.apply_button.click()
    # SpO2 84 %: below the usual low limit (88), above Desat (80): no alarm now.
    s.override("spo2", 84, transition=10)
    s.advance_virtual(60, frames=3)
    assert "spo2.low" not in {a.alarm_id for a in s.alarms.active_alarms()}
    # SpO2 70 %: Desat still fires, high priority.
    s.override("spo2", 70, transition=10)
    s.advance_virtual(30, frames=3)
    desat = [a for a in s.alarms.active_alarms() if a.alarm_id == "spo2.low"]
    assert desat and desat[0].message == "Desat" and desat[0].priority.name == "HIGH"
    events = [x["event"] for x in log_lines(tmp_path / "a.jsonl")]
    assert "alarm_off" in events
    dlg.close()


def test_alarm_log_failure_is_shown_not_fatal(make_session, tmp_path):
    s = make_session("ecmo_start+1d", alarm_log=tmp_path / "a.jsonl")
    full = os.open("/dev/full", os.O_WRONLY)  # the disk fills up under the log
    os.dup2(full, s.alarm_log._out._fd)
    os.close(full)
    s.inject("pump_stop")
    s.advance_virtual(20, frames=2)  # alarms raise; writing them fails
    status = s.window.findChild(QtWidgets.QLabel, "alarm.status").text()
    assert "No space left on device" in status
    assert str(tmp_path / "a.jsonl") in status  # the user is told which file failed
    assert any(a.alarm_id == "pump_stopped" for a in s.alarms.active_alarms())


def _fits_whole(label: QtWidgets.QLabel) -> bool:
    """The label's whole text, wrapped at word boundaries, fits inside it (no word wider
    than the label, no line below its bottom): nothing elided, nothing clipped."""
    from PySide6 import QtCore, QtGui

    fm = QtGui.QFontMetrics(label.font())
    box = label.contentsRect()
    words = label.text().split()
    if any(fm.horizontalAdvance(w) > box.width() for w in words):
        return False
    needed = fm.boundingRect(QtCore.QRect(0, 0, box.width(), 100000),
                             int(QtCore.Qt.TextFlag.TextWordWrap), label.text())
    return needed.height() <= box.height()


def test_five_alarms_read_whole_at_1366x768(make_session, qtbot):
    """The message that matters is never cut: every active alarm on its own line, wrapped
    at word boundaries, status texts whole, history without a sideways scroll."""
    s = make_session("ecmo_start+1d", size=(1366, 768))
    s.inject("pump_stop")
    s.inject("hypotension")  # one folded "ABP low" line (sys, dia, mean)
    s.inject("ecg_leads_off", duration=600.0)  # its default minute would end at 60 s
    s.advance_virtual(60, frames=30)
    w = s.window
    active = s.alarms.active_alarms()
    assert len(active) >= 5, [a.text for a in active]
    qtbot.waitUntil(lambda: w.alarm_bar.height() > 0)
    QtWidgets.QApplication.processEvents()
    from dashboard.ui.alarm_bar import alarm_text

    shown = []
    for name in ("alarm.physiological", "alarm.technical"):
        # One label per alarm line (alarm.entry) since the bar lists each on its own.
        for label in w.findChild(QtWidgets.QWidget, name).findChildren(QtWidgets.QLabel,
                                                                      "alarm.entry"):
            assert "\u2026" not in label.text() and "more" not in label.text()
            assert _fits_whole(label), (name, label.text(), label.size())
            shown += label.text().splitlines()
    assert sorted(shown) == sorted(alarm_text(a) for a in active)  # all of them, whole
    status = w.findChild(QtWidgets.QLabel, "alarm.status")
    status.setText("NO AUDIO DEVICE: alarms silent\nALARM OFF: spo2.low, hr.high")
    QtWidgets.QApplication.processEvents()
    assert _fits_whole(status), status.size()
    history = w.findChild(QtWidgets.QListWidget, "alarm.history")
    assert history.count() > 0 and history.wordWrap()
    assert history.horizontalScrollBar().maximum() == 0


def test_the_alarm_indicators_are_redrawn_at_each_flash_edge_and_between_none_changes():
    """Indicators are shown again only at a flash edge (not 20 times a second): between
    two edges every priority's flash state holds; just past an edge one has changed."""
    from dashboard.alarms import Priority
    from dashboard.alarms.profile import load_profile
    from dashboard.ui.alarm_bar import flash_on, next_flash_edge

    profile = load_profile("sle_dah_ecmo")
    flashing = {Priority.HIGH, Priority.MEDIUM}
    assert next_flash_edge(set(), 3.0, profile) == float("inf")
    assert next_flash_edge({Priority.LOW}, 3.0, profile) == float("inf")  # steady
    for i in range(400):
        wall = 1000.0 + i * 0.0137
        edge = next_flash_edge(flashing, wall, profile)
        assert wall < edge <= wall + 0.25 + 1e-9
        states = [flash_on(p, wall, profile) for p in sorted(flashing)]
        for w in (wall + (edge - wall) * f for f in (0.25, 0.5, 0.999)):
            assert [flash_on(p, w, profile) for p in sorted(flashing)] == states
        assert [flash_on(p, edge + 1e-6, profile) for p in sorted(flashing)] != states


def test_a_flashing_label_paints_exactly_the_look_a_stylesheet_would(make_session):
    """Flashing is painted (no new stylesheet four times a second), and looks exactly as
    the stylesheet black-on-colour did: same text, same place, same wrap -- for an alarm
    bar line (padded, framed: QLabel indents it) and a tile's big number."""
    s = make_session("abg_pre_ecmo-5m", size=(1366, 768))
    w = s.window
    entry = w.findChild(QtWidgets.QLabel, "alarm.entry")
    value = w.findChild(QtWidgets.QLabel, "numeric.spo2")
    for lab, extra in ((entry, " font-weight: bold; padding: 1px 6px;"),
                       (value, f" font-size: {value.property('font_px')}px; font-weight: bold;")):
        sheet = lab.styleSheet()
        lab.set_flash("#ff1744")
        painted = lab.grab().toImage()
        lab.set_flash(None)
        lab.setStyleSheet(f"QLabel {{ background: #ff1744; color: #000000;{extra} }}")
        styled = lab.grab().toImage()
        lab.setStyleSheet(sheet)
        assert painted.size() == styled.size()
        differ = sum(painted.pixel(x, y) != styled.pixel(x, y)
                     for x in range(painted.width()) for y in range(painted.height()))
        assert differ == 0, f"{lab.objectName()}: {differ} pixels differ"


def test_one_hypotension_is_one_line_on_the_alarm_bar(make_session, tmp_path):
    """sys, dia and mean below their limits from one hypotension: one "ABP low" line with
    the three values (before the fold: three lines, three log raises)."""
    s = make_session("ecmo_start+1d", alarm_log=tmp_path / "a.jsonl")
    s.inject("hypotension")
    s.advance_virtual(240, frames=24)
    bar = s.window.findChild(QtWidgets.QWidget, "alarm.physiological")
    lines = [e.text() for e in bar.findChildren(QtWidgets.QLabel, "alarm.entry")]
    abp = [x for x in lines if "ABP" in x]
    assert len(abp) == 1, lines
    assert re.fullmatch(r"\*\* ABP low sys \d+ < 90, dia \d+ < 50, mean \d+ < 60", abp[0])
    # The ART tile flashes for it; one acknowledge silences the problem.
    s.window.acknowledge()
    assert [a.state.value for a in s.alarms.active_alarms() if a.alarm_id == "abp_low"] == [
        "acknowledged"]
    raised = [x["alarm_id"] for x in log_lines(tmp_path / "a.jsonl")
              if x["event"] == "raise" and x["alarm_id"].startswith("abp")]
    assert raised == ["abp_low"]
