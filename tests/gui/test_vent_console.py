"""The ventilator console driven by objectName: settings reach the model and the screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets

from dashboard.core.actions import Action, Actor
from dashboard.ui.vent_console import VentilatorConsole
from replay_data.controls import lung_compliance, pc_tidal_volume


@pytest.fixture
def vent(make_session, qtbot):
    s = make_session("ecmo_start+1d", role="monitor")
    console = VentilatorConsole(s.controller, display="vent-1")
    qtbot.addWidget(console)
    console.resize(1000, 700)
    console.show()
    s.advance_virtual(2, 2)
    yield s, console
    console.detach()


def text(console, name: str) -> str:
    return console.findChild(QtWidgets.QLabel, name).text()


def spin(console, name: str) -> QtWidgets.QDoubleSpinBox:
    return console.findChild(QtWidgets.QDoubleSpinBox, name)


def test_pinsp_sets_tidal_volume_and_pressures(vent):
    s, console = vent
    # The lung as the ventilator finds it (the compliance its breaths imply).
    c = lung_compliance(s.controller.course, s.controller.case_time())
    assert 15 < c < 22
    spin(console, "control.vent.pinsp").setValue(20)
    s.advance_virtual(30, 10)
    rr = spin(console, "control.vent.rr").value()
    vt = pc_tidal_volume(20, rr, c)
    assert text(console, "numeric.vt").startswith(f"{vt:.0f} (")
    peep = spin(console, "control.vent.peep").value()
    assert text(console, "numeric.ppeak") == f"{peep + 20:.0f}"
    assert text(console, "numeric.driving_pressure") == f"{vt / c:.0f}"
    assert text(console, "numeric.mv") == f"{vt * rr / 1000:.1f}"
    # the airway-pressure waveform reaches PEEP + Pinsp and returns to PEEP
    paw = console.plots["waveform.paw"].getData()[1]
    assert paw.max() == pytest.approx(peep + 20, abs=0.5) and paw.min() == pytest.approx(peep)


def test_fio2_peep_and_rate_reach_the_model(vent):
    s, console = vent
    sat0 = s.controller.course.model_outputs(np.array([s.controller.case_time()]))["sao2"][0]
    spin(console, "control.vent.fio2").setValue(100)
    spin(console, "control.vent.rr").setValue(24)
    s.advance_virtual(300, 10)
    t = s.controller.case_time()
    got = s.controller.course.true_inputs(("fio2", "rr"), np.array([t]))
    assert got["fio2"][0] == 100 and got["rr"][0] == 24
    assert s.controller.course.model_outputs(np.array([t]))["sao2"][0] > sat0


def test_volume_mode_high_pressure_alarm_and_lock(vent):
    s, console = vent
    console.findChild(QtWidgets.QComboBox, "control.vent.mode").setCurrentIndex(1)
    spin(console, "control.vent.vt").setValue(700)
    s.advance_virtual(30, 10)
    assert "HIGH PRESSURE" in text(console, "console.vent.alarms")
    s.controller.request(Action.make("lock", {"console": "vent", "on": True},
                                     Actor("instructor", "console")))
    assert console.findChild(QtWidgets.QLabel, "console.vent.locked").isVisible()
    console.set("control.vent.peep", 5)
    assert "locked" in text(console, "console.vent.status")


def test_the_bedside_monitor_shows_paw_and_vent_numerics(vent):
    s, console = vent
    spin(console, "control.vent.pinsp").setValue(22)
    s.advance_virtual(30, 10)
    peep = spin(console, "control.vent.peep").value()
    strip = s.window.findChild(QtWidgets.QWidget, "panel.ventilator")
    assert strip.findChild(QtWidgets.QLabel, "numeric.ppeak").text() == f"Ppeak {peep + 22:.0f}"
    assert strip.findChild(QtWidgets.QLabel, "numeric.mv").text() == text(console, "numeric.mv")\
        .join(("MV ", ""))
    paw = s.window.vent.paw_curve.getData()[1]
    assert paw.max() == pytest.approx(peep + 22, abs=0.5)
