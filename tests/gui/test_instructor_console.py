"""The instructor console driven by objectName, the trainee monitor following it, and a
recorded session that plays back to the same screens."""

from __future__ import annotations

from PySide6 import QtWidgets
from widget_support import child, choose

from dashboard.core.actions import INJECT, SCRIPT, Action, Actor
from dashboard.recording import course_for, read_session
from dashboard.session import MonitorSession


def test_console_injects_pump_stop_and_stops_it(make_session):
    s = make_session("ecmo_start+1d", instructor=True)
    console = s.console
    assert "VV-ECMO at FdO2 100 %" not in child(console, QtWidgets.QLabel,
                                               "instructor.teaching").text()
    assert "ACT target raised" in child(console, QtWidgets.QLabel, "instructor.teaching").text()
    choose(child(console, QtWidgets.QComboBox, "instructor.injection"), "pump_stop")
    child(console, QtWidgets.QDoubleSpinBox, "instructor.severity").setValue(1.0)
    child(console, QtWidgets.QSpinBox, "instructor.duration").setValue(600)
    child(console, QtWidgets.QPushButton, "instructor.inject").click()
    s.advance_virtual(120, frames=4)
    w = s.window
    assert child(w, QtWidgets.QLabel, "numeric.ecmo_flow").text() == "0.00"
    assert child(w, QtWidgets.QLabel, "numeric.ecmo_rpm").text() == "0"
    assert float(child(w, QtWidgets.QLabel, "numeric.spo2").text()) < 75
    alarms = child(console, QtWidgets.QListWidget, "instructor.alarms")
    assert any("ECMO pump stopped" in alarms.item(i).text() for i in range(alarms.count()))
    active = child(console, QtWidgets.QListWidget, "instructor.active")
    assert active.count() == 1 and "Pump stop" in active.item(0).text()
    active.setCurrentRow(0)
    child(console, QtWidgets.QPushButton, "instructor.stop").click()
    s.advance_virtual(60, frames=2)
    assert float(child(w, QtWidgets.QLabel, "numeric.ecmo_flow").text()) > 3.0


def test_console_offers_variants_for_all_or_nothing_events(make_session):
    s = make_session("ecmo_start+1d", instructor=True)
    console = s.console
    severity = child(console, QtWidgets.QDoubleSpinBox, "instructor.severity")
    variant = child(console, QtWidgets.QComboBox, "instructor.variant")
    choose(child(console, QtWidgets.QComboBox, "instructor.injection"), "sweep_gas_failure")
    assert severity.isEnabled() and not variant.isEnabled()
    assert "sweep gas flow lost" in severity.toolTip()
    choose(child(console, QtWidgets.QComboBox, "instructor.injection"), "pump_stop")
    assert not severity.isEnabled() and variant.isEnabled()
    assert [variant.itemData(i) for i in range(variant.count())] == [
        "power_loss", "drainage_clamped", "return_clamped"]
    mode = child(s.window, QtWidgets.QLabel, "ecmo.mode")
    assert mode.text().endswith("running")
    choose(variant, "drainage_clamped")
    child(console, QtWidgets.QPushButton, "instructor.inject").click()
    s.advance_virtual(30, frames=2)
    assert child(s.window, QtWidgets.QLabel, "numeric.ecmo_flow").text() == "0.00"
    assert float(child(s.window, QtWidgets.QLabel, "numeric.ecmo_rpm").text()) > 2000
    assert mode.text().endswith("CLAMPED")
    assert s.perturbations[-1].variant == "drainage_clamped"
    # The clamp the pressures point to: P venous sucked far below the CVP.
    assert float(child(s.window, QtWidgets.QLabel, "numeric.p_venous").text()) < -150


def test_console_override_drives_spo2(make_session):
    s = make_session("ecmo_start+2d", instructor=True)
    console = s.console
    choose(child(console, QtWidgets.QComboBox, "instructor.override_channel"), "spo2")
    child(console, QtWidgets.QDoubleSpinBox, "instructor.override_target").setValue(85)
    child(console, QtWidgets.QSpinBox, "instructor.override_transition").setValue(60)
    child(console, QtWidgets.QPushButton, "instructor.override_apply").click()
    s.advance_virtual(90, frames=3)
    assert abs(float(child(s.window, QtWidgets.QLabel, "numeric.spo2").text()) - 85) <= 1


def test_console_shows_errors_instead_of_crashing(make_session):
    s = make_session("ecmo_start+2d", instructor=True)
    s.console.request("inject", injection="no_such_injection", severity=1.0, duration=60.0)
    assert "unknown injection" in child(s.console, QtWidgets.QLabel, "instructor.message").text()


def test_console_controls_drive_the_trainee_clock(make_session):
    s = make_session("abg_pre_ecmo-5m", instructor=True)
    child(s.console, QtWidgets.QPushButton, "instructor.play").click()
    assert not s.clock.playing
    combo = child(s.console, QtWidgets.QComboBox, "instructor.jump_event")
    i = combo.findData(s.course.scenario.resolve("ecmo_start"))
    combo.activated.emit(i)
    assert s.clock.case_time() == s.course.scenario.resolve("ecmo_start")


def test_recorded_session_replays_to_the_same_screens(make_session, tmp_path, qtbot):
    path = tmp_path / "session.jsonl"
    s = make_session("ecmo_start+1d", session_log=path, alarm_log=tmp_path / "a.jsonl")
    s.advance_virtual(30)
    s.inject("sweep_gas_failure", duration=240)
    s.advance_virtual(120, frames=4)
    s.window.acknowledge()
    s.advance_virtual(90, frames=3)
    t_end = s.clock.case_time()
    names = ("numeric.spo2", "numeric.sweep_flow", "numeric.po2_post", "numeric.hr")
    seen = {n: child(s.window, QtWidgets.QLabel, n).text() for n in names}
    alarms_seen = [(a.alarm_id, a.state) for a in s.alarms.active_alarms()]
    s.close()

    rec = read_session(path)
    assert [p.name for p in rec.final_perturbations()] == ["sweep_gas_failure"]
    assert [a.action for a in rec.trainee_actions()] == ["acknowledge"]
    course = course_for(rec)
    replay = MonitorSession.from_recording(rec, course, virtual_clock=True, mute=True)
    qtbot.addWidget(replay.window)
    replay.window.resize(1600, 1000)
    replay.advance_virtual(t_end - replay.clock.case_time(), frames=8)
    assert replay.clock.case_time() == t_end
    assert {n: child(replay.window, QtWidgets.QLabel, n).text() for n in names} == seen
    assert [(a.alarm_id, a.state) for a in replay.alarms.active_alarms()] == alarms_seen
    replay.close()


def test_debrief_button_writes_the_report(make_session, tmp_path):
    path = tmp_path / "s.jsonl"
    s = make_session("ecmo_start+1d", instructor=True, session_log=path)
    s.inject("pump_stop")
    s.advance_virtual(60, frames=2)
    s.window.acknowledge()
    s.advance_virtual(60, frames=2)
    child(s.console, QtWidgets.QPushButton, "instructor.debrief").click()
    html = path.with_suffix(".html")
    assert html.exists() and path.with_suffix(".csv").exists()
    text = html.read_text()
    assert "Pump stop" in text and "data:image/png;base64," in text
    # The path is shown apart, elided in the middle, whole in its tooltip (in the message
    # a long path widened the tools past the window or was cut off).
    assert "Debrief written: s.html" in child(s.console, QtWidgets.QLabel,
                                              "instructor.message").text()
    assert child(s.console, QtWidgets.QLabel, "instructor.report_path").toolTip() == str(html)


def test_console_locks_the_team_console_sees_and_overrides_its_settings(make_session, qtbot):
    from dashboard.ui.ecmo_console import EcmoConsole

    s = make_session("ecmo_start+1d", instructor=True)
    console = s.console
    pump = EcmoConsole(s.controller, display="ecmo-console")
    qtbot.addWidget(pump)
    # The team turns the knob; the instructor sees it.
    pump.set("control.ecmo.rpm", 3600)
    s.advance_virtual(2, 2)
    settings = child(console, QtWidgets.QLabel, "instructor.team_settings.ecmo")
    assert "Pump speed: 3600 rpm *" in settings.text().splitlines()
    # Locked: the team is refused and its console says so.
    child(console, QtWidgets.QCheckBox, "instructor.lock.ecmo").setChecked(True)
    assert not child(pump, QtWidgets.QDial, "control.ecmo.rpm").isEnabled()
    assert pump.set("control.ecmo.rpm", 4000) is None
    assert "locked" in child(pump, QtWidgets.QLabel, "console.ecmo.status").text()
    # The instructor overrides through the lock; the team's console shows the new setting.
    choose(child(console, QtWidgets.QComboBox, "instructor.control"), "control.ecmo.rpm")
    child(console, QtWidgets.QDoubleSpinBox, "instructor.control_value").setValue(2800)
    child(console, QtWidgets.QPushButton, "instructor.control_set").click()
    s.advance_virtual(2, 2)
    assert child(pump, QtWidgets.QDial, "control.ecmo.rpm").value() == 2800
    assert child(pump, QtWidgets.QLabel, "console.ecmo.speed").text() == "2800"
    pump.detach()


def test_active_list_shows_targets_rounded_as_displayed_with_unit(make_session):
    """An override's target as the monitor shows the channel (a recorded or networked
    target may carry any decimals), an injection with its variant."""
    from dashboard.core.actions import Action, Actor

    s = make_session("ecmo_start+1d", instructor=True)
    boss = Actor("instructor", "console")
    for channel, target in (("abp_sys", 130.77), ("ecmo_flow", 2.4567), ("temp", 38.249)):
        assert s.controller.apply(Action.make(
            "override", {"channel": channel, "target": target, "transition": 30.0}, boss))
    s.controller.apply(Action.make("inject", {"injection": "pump_stop"}, boss))
    s.advance_virtual(5, frames=1)
    s.console.refresh()
    active = child(s.console, QtWidgets.QListWidget, "instructor.active")
    texts = [active.item(i).text() for i in range(active.count())]
    assert texts[0].startswith("ABP sys → 131 mmHg (override) · from ")
    assert texts[1].startswith("Blood flow → 2.46 L/min (override) · from ")
    assert texts[2].startswith("Temp → 38.2 °C (override) · from ")
    assert texts[3].startswith("Pump stop (Power loss: pump stopped) · from ")
    assert not any("130.77" in t or "2.4567" in t or "38.249" in t for t in texts)


def test_team_settings_read_rounded_to_the_controls_step(make_session):
    """The case's own settings between keyframes (a tidal volume of 251.58 mL) read as the
    control shows them."""
    import re

    s = make_session("ecmo_start+20h", instructor=True)
    s.advance_virtual(1, 1)
    ecmo = child(s.console, QtWidgets.QLabel, "instructor.team_settings.ecmo").text()
    vent = child(s.console, QtWidgets.QLabel, "instructor.team_settings.vent").text()
    assert "Sweep gas: 5.0 L/min" in ecmo.splitlines()
    assert "Drainage clamp: open" in ecmo.splitlines()  # a clamp reads as one, not on/off
    assert re.search(r"^Vt: \d+ mL$", vent, re.M), vent
    assert "Mode: PC" in vent.splitlines()  # the mode by name, not 0/1 read as "off"
    assert "I:E: 1:2" in vent.splitlines()
    assert not re.search(r"\d+\.\d\d", ecmo + vent), ecmo + vent


def test_the_disturbance_list_counts_down_in_place_and_keeps_the_selection(make_session):
    """Thousands of scripted disturbances are listed; each second only the times left
    change, in the same rows, and the one the instructor selected stays selected."""
    s = make_session("ecmo_start+1d", instructor=True)
    t0 = s.clock.case_time()
    # Each with a 2 min duration: a pump stop has none of its own (it lasts until the
    # team restores flow), and this list must count down.
    s.controller.apply_many(
        [Action.make(INJECT, {"injection": "pump_stop", "start": t0 + 10 * i, "duration": 120.0},
                     Actor(SCRIPT, "script")) for i in range(300)], strict=True)
    s.advance_virtual(2, frames=1)
    active = child(s.console, QtWidgets.QListWidget, "instructor.active")
    assert active.count() == 300
    active.setCurrentRow(5)
    first, sixth = active.item(0), active.item(5)
    before = first.text()
    s.advance_virtual(60, frames=2)
    assert active.count() == 300 and active.item(0) is first  # the same rows
    assert first.text() != before and first.text().startswith(
        "Pump stop (Power loss: pump stopped) · from ")
    assert "left" in first.text()
    assert active.currentItem() is sixth
    s.advance_virtual(600, frames=10)  # the early ones have run their course: rebuilt
    assert active.count() < 300 and "Pump stop" in active.item(0).text()


def test_console_fits_a_laptop_screen_and_every_tool_is_reachable(make_session, qtbot):
    """At 1366x768 the console keeps its size (its tools scroll) instead of growing past
    the screen and hiding the debrief button off its bottom edge."""
    s = make_session("ecmo_start+20m", instructor=True)
    console = s.console
    console.resize(1366, 768)
    console.show()
    qtbot.waitExposed(console)
    assert console.height() <= 768 and console.width() <= 1366
    scroll = child(console, QtWidgets.QScrollArea, "instructor.tools_scroll")
    debrief = child(console, QtWidgets.QPushButton, "instructor.debrief")
    scroll.ensureWidgetVisible(debrief)
    top_left = debrief.mapTo(scroll.viewport(), debrief.rect().topLeft())
    assert scroll.viewport().rect().contains(top_left)
    assert scroll.viewport().rect().contains(
        debrief.mapTo(scroll.viewport(), debrief.rect().bottomRight()))


def test_a_drills_scheduled_injection_is_listed_and_can_be_stopped(make_session):
    """The drill's own pump stop shows in the active list (marked scheduled) while it
    runs, and Stop selected ends it like one the instructor gave."""
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    s = make_session(None, course=Course(load_scenario("pump_stop_day2"), 0), instructor=True)
    active = child(s.console, QtWidgets.QListWidget, "instructor.active")
    s.console.refresh()
    assert active.count() == 0  # three minutes before it: not listed yet
    s.advance_virtual(200, frames=20)
    s.console.refresh()
    texts = [active.item(i).text() for i in range(active.count())]
    assert len(texts) == 1 and texts[0].startswith(
        "Pump stop (Power loss: pump stopped) · scheduled · from Day 13 13:13"), texts
    active.setCurrentRow(0)
    child(s.console, QtWidgets.QPushButton, "instructor.stop").click()
    s.advance_virtual(2, frames=2)
    s.console.refresh()
    texts = [active.item(i).text() for i in range(active.count())]
    assert all(t.endswith(" 0 s left") for t in texts), texts  # recovering, not running
    s.advance_virtual(600, frames=20)
    s.console.refresh()
    assert active.count() == 0
    assert any(p.id.startswith("scheduled:pump_stop") and p.end <= s.controller.case_time()
               for p in s.controller.perturbations)
