"""The ECMO console driven by objectName: each control changes the screen and the model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import Action, Actor
from dashboard.ui.ecmo_console import EcmoConsole
from replay_data.controls import pump_flow
from replay_data.scenario import load_scenario

# The built-in case's pump (its [circuit.pump] curve and drainage limit).
PUMP = load_scenario("sle_dah_ecmo").circuit.pump


@pytest.fixture
def bed(make_session, qtbot):
    s = make_session("ecmo_start+1d", role="monitor")
    console = EcmoConsole(s.controller, display="bed-1")
    qtbot.addWidget(console)
    console.resize(900, 700)
    console.show()
    s.advance_virtual(2, 2)
    yield s, console
    console.detach()


def find(console, cls, name):
    w = console.findChild(cls, name)
    assert w is not None, name
    return w


def flow_shown(console) -> float:
    return float(find(console, QtWidgets.QLabel, "console.ecmo.flow").text())


def model(s, channel: str) -> float:
    t = s.controller.case_time()
    return float(s.controller.course.numerics([channel], np.array([t]))[channel][0])


def test_turning_the_pump_knob_changes_flow_on_screen_and_in_the_model(bed, qtbot):
    s, console = bed
    before = flow_shown(console)
    dial = find(console, QtWidgets.QDial, "control.ecmo.rpm")
    dial.setFocus()
    qtbot.keyClick(dial, QtCore.Qt.Key.Key_PageUp)  # +500 rpm
    s.advance_virtual(2, 4)
    assert dial.value() == 3700
    assert flow_shown(console) == pytest.approx(pump_flow(PUMP, 3700), abs=0.01)
    assert flow_shown(console) > before + 0.5
    assert model(s, "ecmo_rpm") == 3700


def test_clamp_pump_and_hand_crank_buttons(bed, qtbot):
    s, console = bed
    clamp = find(console, QtWidgets.QPushButton, "control.ecmo.clamp_drainage")
    qtbot.mouseClick(clamp, QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(2, 4)
    assert clamp.isChecked() and flow_shown(console) == 0.0
    s.advance_virtual(4, 4)  # the alarm's delay (the profile's 2 s) passed
    alarms = find(console, QtWidgets.QLabel, "console.ecmo.alarms").text()
    assert "ECMO FLOW CRITICALLY LOW" in alarms  # as the monitor's alarm bar says it
    monitor = [a.message.upper() for a in s.controller.monitor.alarms.active_alarms()]
    assert "ECMO FLOW CRITICALLY LOW" in monitor
    qtbot.mouseClick(clamp, QtCore.Qt.MouseButton.LeftButton)
    pump = find(console, QtWidgets.QPushButton, "control.ecmo.pump")
    assert pump.isChecked()
    qtbot.mouseClick(pump, QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(2, 4)
    assert not pump.isChecked() and pump.text() == "PUMP OFF" and flow_shown(console) == 0.0
    crank = find(console, QtWidgets.QPushButton, "control.ecmo.hand_crank")
    qtbot.mouseClick(crank, QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(2, 4)
    assert flow_shown(console) == pytest.approx(pump_flow(PUMP, 2500), abs=0.01)
    find(console, QtWidgets.QSpinBox, "console.ecmo.crank_rate").setValue(3000)
    s.advance_virtual(2, 4)
    assert flow_shown(console) == pytest.approx(pump_flow(PUMP, 3000), abs=0.01)


def test_too_much_speed_sucks_the_drainage(bed, qtbot):
    s, console = bed
    console.setFocus()
    for _ in range(16):
        qtbot.keyClick(console, QtCore.Qt.Key.Key_Up)  # 3200 -> 4800 rpm
    s.advance_virtual(5, 10)
    assert flow_shown(console) <= PUMP.drainage_limit_lpm
    pv = float(find(console, QtWidgets.QLabel, "console.ecmo.p_venous").text())
    assert pv < -100
    assert "P VENOUS" in find(console, QtWidgets.QLabel, "console.ecmo.alarms").text()


def test_sweep_and_blender_reach_the_model(bed, qtbot):
    s, console = bed
    find(console, QtWidgets.QDoubleSpinBox, "control.ecmo.sweep_flow").setValue(2.0)
    find(console, QtWidgets.QSpinBox, "control.ecmo.fdo2").setValue(60)
    s.advance_virtual(2, 2)
    assert model(s, "sweep_flow") == 2.0 and model(s, "fdo2") == 60.0
    # the bedside monitor's own ECMO panel (another view of the same controller) follows
    s.advance_virtual(2, 2)
    panel = s.window.findChild(QtWidgets.QWidget, "panel.ecmo")
    assert panel.findChild(QtWidgets.QLabel, "numeric.fdo2").text() == "60"


def test_the_heater_key_switches_the_heater_cooler_and_cools_the_patient(bed, qtbot):
    s, console = bed
    heater = find(console, QtWidgets.QPushButton, "control.ecmo.heater")
    assert heater.isChecked()  # on, at 37 C, as the case runs
    assert find(console, QtWidgets.QDoubleSpinBox, "control.ecmo.heater_temp").value() == 37
    t = s.controller.case_time()
    heater.click()
    course = s.controller.course
    later = course.numerics(["temp"], np.array([t + 3600]))["temp"][0]
    assert not heater.isChecked() and later < model(s, "temp") - 1.0  # cools about 1.5 C/h
    assert not find(console, QtWidgets.QPushButton, "console.ecmo.undo").isVisible()


def test_a_locked_console_refuses_and_says_so(bed, qtbot):
    s, console = bed
    s.controller.request(Action.make("lock", {"console": "ecmo", "on": True},
                                     Actor("instructor", "console")))
    assert find(console, QtWidgets.QLabel, "console.ecmo.locked").isVisible()
    dial = find(console, QtWidgets.QDial, "control.ecmo.rpm")
    assert not dial.isEnabled()
    console.set("control.ecmo.rpm", 4000)  # a touch that got through anyway
    assert "locked" in find(console, QtWidgets.QLabel, "console.ecmo.status").text()
    assert model(s, "ecmo_rpm") == pytest.approx(3200, abs=30)


def test_a_late_joining_console_shows_the_instructors_lock_and_sends_nothing(qtbot):
    """A monitor that joins after the instructor locked the ECMO console learns it from
    the session state: its console is disabled, says so, and refuses a touch locally."""
    import json

    from dashboard.core.clock import ManualWall
    from dashboard.core.session_controller import ActionRefused, SessionController
    from dashboard.core.session_state import SessionState
    from replay_data.course import Course

    course = Course.load()
    t0 = course.scenario.resolve("ecmo_start+1d")
    wall = ManualWall(100.0)
    boss = SessionController(course, start=t0, wall=wall)
    boss.apply(Action.make("lock", {"console": "ecmo", "on": True},
                           Actor("instructor", "console")))
    follower = SessionController(course, start=t0, wall=wall, authority=False)
    sent: list[Action] = []
    follower.uplink = sent.append
    console = EcmoConsole(follower, display="bed-2")
    qtbot.addWidget(console)
    console.show()
    lock_label = find(console, QtWidgets.QLabel, "console.ecmo.locked")
    dial = find(console, QtWidgets.QDial, "control.ecmo.rpm")
    assert not lock_label.isVisible() and dial.isEnabled()
    refused = []
    follower.subscribe(lambda ev: refused.append(ev) if isinstance(ev, ActionRefused) else None)
    follower.adopt_state(SessionState.from_json(json.loads(json.dumps(
        boss.state().to_json()))))
    assert lock_label.isVisible() and "LOCKED BY THE INSTRUCTOR" in lock_label.text()
    assert not dial.isEnabled()
    assert not find(console, QtWidgets.QPushButton, "control.ecmo.clamp_drainage").isEnabled()
    console.set("control.ecmo.rpm", 4000)  # a touch that got through anyway
    assert sent == [] and len(refused) == 1
    assert "locked" in find(console, QtWidgets.QLabel, "console.ecmo.status").text()
    console.detach()
    follower.close()
    boss.close()


def test_the_pump_key_shows_what_the_pump_does_not_only_its_switch(bed, qtbot):
    """During a power loss the switch stays on but the rotor stops: the console reads
    PUMP STOPPED (red), not a green PUMP ON; clamping afterwards does not change that."""
    s, console = bed
    pump = find(console, QtWidgets.QPushButton, "control.ecmo.pump")
    assert pump.text() == "PUMP ON" and pump.property("state") == "running"
    s.inject("pump_stop", duration=600)
    s.advance_virtual(5, 5)
    assert model(s, "ecmo_rpm") < 100
    assert pump.isChecked() and pump.text() == "PUMP STOPPED"
    assert pump.property("state") == "stopped"
    qtbot.mouseClick(find(console, QtWidgets.QPushButton, "control.ecmo.clamp_drainage"),
                     QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(2, 2)
    assert pump.text() == "PUMP STOPPED"


def test_a_change_that_stops_the_flow_can_be_undone(bed, qtbot):
    from dashboard.core.session_controller import ActionApplied

    s, console = bed
    applied = []
    s.controller.subscribe(lambda ev: isinstance(ev, ActionApplied) and applied.append(
        ev.action))
    pump = find(console, QtWidgets.QPushButton, "control.ecmo.pump")
    undo = find(console, QtWidgets.QPushButton, "console.ecmo.undo")
    assert not undo.isVisible()
    qtbot.mouseClick(pump, QtCore.Qt.MouseButton.LeftButton)  # switched off by mistake
    s.advance_virtual(2, 2)
    assert not pump.isChecked() and undo.isVisible() and "pump off" in undo.text()
    qtbot.mouseClick(undo, QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(5, 5)
    assert pump.isChecked() and not undo.isVisible() and model(s, "ecmo_rpm") > 1000
    clamp = find(console, QtWidgets.QPushButton, "control.ecmo.clamp_drainage")
    qtbot.mouseClick(clamp, QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(2, 2)
    assert clamp.isChecked() and "drainage clamp on" in undo.text()
    s.advance_virtual(20, 10)  # offered for a while only
    assert not undo.isVisible() and clamp.isChecked()
    # Every change is the team's at this console, the undo too.
    controls = [a for a in applied if a.kind == "control"]
    assert [(a.args["control"], a.args["value"]) for a in controls] == [
        ("control.ecmo.pump", 0.0), ("control.ecmo.pump", 1.0),
        ("control.ecmo.clamp_drainage", 1.0)]
    assert {(a.actor.role, a.actor.display) for a in controls} == {("trainee", "bed-1")}


def test_the_wheel_changes_no_setting_without_a_click_first(bed):
    """Knobs and boxes take the focus by a click or Tab, never by the wheel, so an
    app-wide guard can refuse the wheel over an unfocused one."""
    _, console = bed
    for cls, name in ((QtWidgets.QDial, "control.ecmo.rpm"),
                      (QtWidgets.QSpinBox, "console.ecmo.crank_rate"),
                      (QtWidgets.QDoubleSpinBox, "control.ecmo.sweep_flow"),
                      (QtWidgets.QSpinBox, "control.ecmo.fdo2")):
        assert find(console, cls, name).focusPolicy() == QtCore.Qt.FocusPolicy.StrongFocus


def test_the_console_fits_a_1366x768_screen(bed):
    _, console = bed
    need = console.minimumSizeHint().expandedTo(console.minimumSize())
    assert need.width() <= 1366 and need.height() <= 738 - 30, need


def test_a_torn_return_line_shows_its_pattern_on_the_console(bed, qtbot):
    """The pump runs on and the probe reads its flow, P art sits at the room's 0 and the
    console says so, as the monitor does; the clamp ends it."""
    s, console = bed
    s.inject("circuit_rupture")
    s.advance_virtual(5, 5)
    assert flow_shown(console) > 3.0  # going to the floor
    assert abs(float(find(console, QtWidgets.QLabel, "console.ecmo.p_art").text())) < 8
    assert float(find(console, QtWidgets.QLabel, "console.ecmo.p_venous").text()) < -100
    assert find(console, QtWidgets.QPushButton, "control.ecmo.pump").text() == "PUMP ON"
    assert "P ART LOW" in find(console, QtWidgets.QLabel, "console.ecmo.alarms").text()
    qtbot.mouseClick(find(console, QtWidgets.QPushButton, "control.ecmo.clamp_drainage"),
                     QtCore.Qt.MouseButton.LeftButton)
    s.advance_virtual(15, 5)
    assert flow_shown(console) == 0.0
    # Over, though latched (high priority) until someone acknowledges it, as on the monitor.
    art = [a for a in s.controller.monitor.alarms.active_alarms() if a.alarm_id == "p_art_low"]
    assert len(art) == 1 and not art[0].condition_active
