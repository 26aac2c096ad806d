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
    paw = console.strips["waveform.paw"].drawn_since_erase()[1]
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
    paw = s.window.vent.paw.data()[1]
    assert paw.max() == pytest.approx(peep + 22, abs=0.5)


def cli_values(t: float, tmp_path, *extra: str) -> dict[str, float]:
    import csv

    from replay_data.cli import main

    out = tmp_path / "vent.csv"
    chans = "vt,vt_per_kg,ppeak,pplat,driving_pressure,mv,compliance"
    assert main(["trends", "--start", repr(float(t)), "--end", repr(float(t)), "--step", "1",
                 "--channels", chans, *extra, "--out", str(out)]) == 0
    head, row = list(csv.reader(out.open()))
    return {h: float(v) for h, v in zip(head, row) if h != "t"}


def agrees(widget: str, cli: float, precision: int) -> bool:
    """A number on screen is the CLI's value at the screen's precision (the CLI prints one
    more digit, so a value on a rounding edge may round either way)."""
    unit = 10.0 ** -precision
    return abs(float(widget) - cli) <= 0.5 * unit + 0.05 * unit + 1e-9


def test_the_console_the_bedside_strip_and_the_cli_show_the_same_numbers(vent, tmp_path):
    s, console = vent
    # A setting made on the console, and the same one given to replay-data --control.
    spin(console, "control.vent.pinsp").setValue(24)
    s.advance_virtual(1, 1)
    spin(console, "control.vent.ie").setValue(3)
    s.advance_virtual(20, 5)
    c = s.controller
    t = c.case_time()
    controls = [f"{p.name.removeprefix('control.')}={value:g}@{p.start!r}"
                for p in c.perturbations if p.kind == "control"
                for e in p.effects if e.channel == p.name for value in [e.set]]
    assert len(controls) == 2
    extra = [x for spec in controls for x in ("--control", spec)]
    cli = cli_values(t, tmp_path, *extra)
    cat = c.course.catalogue.numerics
    # The CLI's numbers are the course's (one function); the screens format them.
    exact = c.course.numerics(list(cli), np.array([t]))
    for cid, v in cli.items():
        assert v == pytest.approx(exact[cid][0], abs=0.051 * 10.0 ** -cat[cid].precision)
    vt, per_kg = text(console, "numeric.vt").rstrip(")").split(" (")
    assert agrees(vt, cli["vt"], 0) and agrees(per_kg, cli["vt_per_kg"], 1)
    for cid in ("ppeak", "pplat", "driving_pressure", "mv", "compliance"):
        assert agrees(text(console, f"numeric.{cid}"), cli[cid], cat[cid].precision), cid
    strip = s.window.findChild(QtWidgets.QWidget, "panel.ventilator")

    def strip_text(name: str) -> str:
        return strip.findChild(QtWidgets.QLabel, name).text()
    # The strip and the console print the same text for the same numbers.
    console_vt = text(console, "numeric.vt")
    assert strip_text("numeric.vt") == f"Vt {vt} mL ({per_kg}/kg)" and console_vt
    assert strip_text("numeric.ppeak") == f"Ppeak {text(console, 'numeric.ppeak')}"
    assert strip_text("numeric.pplat") == f"Pplat {text(console, 'numeric.pplat')}"
    assert strip_text("numeric.driving_pressure") == \
        f"ΔP {text(console, 'numeric.driving_pressure')}"
    assert strip_text("numeric.mv") == f"MV {text(console, 'numeric.mv')}"
    assert strip_text("vent.ie") == "I:E 1:3"
    # The traces are the waveform channels: the console's samples are the CLI's.
    from replay_data.waveforms import waveform
    shown_t, paw = console.strips["waveform.paw"].drawn_since_erase()
    rate = c.course.catalogue.waveforms["paw"].rate
    ref_t, ref = waveform(c.course, "paw", shown_t[0], len(shown_t) / rate)
    np.testing.assert_allclose(ref_t, shown_t)
    np.testing.assert_allclose(paw, ref)
    assert cli["ppeak"] == pytest.approx(np.nanmax(paw), abs=0.5)


def test_ie_on_the_console_changes_vt_as_the_equation_says(vent):
    from replay_data.controls import lung_compliance

    s, console = vent
    spin(console, "control.vent.rr").setValue(30)
    spin(console, "control.vent.pinsp").setValue(20)
    s.advance_virtual(10, 2)
    lung = lung_compliance(s.controller.course, s.controller.case_time())
    ie = spin(console, "control.vent.ie")
    assert ie.value() == 2.0 and ie.minimum() == 1.0 and ie.maximum() == 4.0
    vts = {}
    for e in (1.0, 4.0):
        ie.setValue(e)
        s.advance_virtual(10, 2)
        vts[e] = pc_tidal_volume(20, 30, lung, ie=e)
        assert text(console, "numeric.vt").startswith(f"{vts[e]:.0f} (")
        t = s.controller.case_time()
        assert s.controller.course.true_inputs(["control.vent.ie"], np.array([t]))[
            "control.vent.ie"][0] == e
    assert vts[1.0] - vts[4.0] > 30


def test_pre_ecmo_no_high_pressure_alarm_and_strip_and_console_name_one_mode(make_session,
                                                                             qtbot):
    """Issue 21: at Ppeak 43 in pressure control the limit is set above the peak (no alarm
    for hours), and the bedside strip names the mode the console shows, also after the
    team switches it."""
    s = make_session("abg_pre_ecmo-5m", role="monitor")
    console = VentilatorConsole(s.controller, display="vent-1")
    qtbot.addWidget(console)
    console.show()
    s.advance_virtual(20, 10)
    assert text(console, "numeric.ppeak") == "43"
    assert "HIGH PRESSURE" not in text(console, "console.vent.alarms")
    assert "Ppeak limit 53" in text(console, "console.vent.limits")
    strip = s.window.findChild(QtWidgets.QWidget, "panel.ventilator")
    mode = console.findChild(QtWidgets.QComboBox, "control.vent.mode")

    def strip_mode() -> str:
        return strip.findChild(QtWidgets.QLabel, "vent.mode").full_text

    assert strip_mode().startswith("Vent: PC") and mode.currentText().startswith("PC")
    mode.setCurrentIndex(1)
    s.advance_virtual(20, 10)
    assert strip_mode() == "Vent: AC" and mode.currentText().startswith("AC")
    console.detach()
