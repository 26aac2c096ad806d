"""The screen is built from the scenario: what the patient has at that moment is on it.

The ECMO panel, the banner's circuit line and run clock only while the circuit is
connected (none at all for a patient without one); the ventilator strip while intubated,
the oxygen therapy otherwise; a drug field from the drug's first dose; a waveform row only
while its values are measured. Offscreen, widgets by objectName, the clock driven by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtWidgets

from dashboard.cli import main
from dashboard.core.actions import OVERRIDE, SEEK, Action, Actor
from dashboard.ui.ecmo_console import EcmoConsole
from dashboard.ui.monitor_layout import MONITOR_ROWS
from dashboard.ui.screen_plan import ScreenPlan
from dashboard.ui.therapy_strip import oxygen_text
from replay_data.course import Course
from replay_data.scenario import load_scenario

WARD = Path(__file__).parent / "scenarios" / "ward_septic_shock.toml"
BOSS = Actor("instructor", "console")


@pytest.fixture(scope="module")
def ward_course() -> Course:
    return Course(load_scenario(WARD))


def widget(root: QtWidgets.QWidget, name: str) -> QtWidgets.QWidget:
    w = root.findChild(QtWidgets.QWidget, name)
    assert w is not None, name
    return w


def shown(root: QtWidgets.QWidget, name: str) -> bool:
    """Whether the widget would be on screen with its window (not only its own flag)."""
    return widget(root, name).isVisibleTo(root)


def ecmo_names(root: QtWidgets.QWidget) -> list[str]:
    return [w.objectName() for w in root.findChildren(QtWidgets.QWidget)
            if "ecmo" in w.objectName().lower()]


def go(s, when: str) -> None:
    """Seek to a case time as the instructor does (any role's window follows), and paint
    a frame there."""
    t = s.controller.course.scenario.resolve(when)
    assert s.controller.apply(Action.make(SEEK, {"target": t}, BOSS)) is not None
    s.advance_virtual(1, 1)


# ------------------------------------------------------------------ the built-in case


def test_the_ecmo_panel_is_there_only_while_the_circuit_is_connected(make_session):
    s = make_session("abg_pre_ecmo-5m")  # intubated, before cannulation
    w = s.window
    assert widget(w, "panel.ecmo") is not None  # the patient has a circuit later
    assert not shown(w, "panel.ecmo")
    assert not shown(w, "banner.ecmo") and not shown(w, "clock.ecmo_time")
    go(s, "ecmo_start+1h")
    assert shown(w, "panel.ecmo")
    assert shown(w, "banner.ecmo") and shown(w, "clock.ecmo_time")
    assert widget(w, "clock.ecmo_time").text().startswith("ECMO run")
    go(s, "ecmo_end+1h")  # decannulated
    assert not shown(w, "panel.ecmo")
    assert not shown(w, "banner.ecmo") and not shown(w, "clock.ecmo_time")
    # Seeking back and forth flips them, as playing there would.
    go(s, "ecmo_start+2d")
    assert shown(w, "panel.ecmo") and shown(w, "banner.ecmo")
    go(s, "cannulation-1m")
    assert not shown(w, "panel.ecmo") and not shown(w, "banner.ecmo")
    # Cannulated, pump not started: no panel of dashes yet.
    go(s, "cannulation+10m")
    assert not shown(w, "panel.ecmo")
    # Day 1 on the ward (no monitor yet) and Day 24 after extubation: no ECMO header, no
    # panel, no ACT on it (issue 21: a reviewer saw them there).
    for when in ("admission+1h", "extubation+6h"):
        go(s, when)
        assert not shown(w, "panel.ecmo") and not shown(w, "banner.ecmo")
        assert not shown(w, "clock.ecmo_time") and not shown(w, "ecmo.act_target")


def test_ventilator_strip_while_intubated_oxygen_therapy_on_the_ward(make_session):
    s = make_session("admission+1d")  # on the ward, oxygen by mask
    w = s.window
    assert not shown(w, "panel.ventilator")
    assert shown(w, "panel.oxygen")
    assert widget(w, "panel.oxygen").text() == "O2 Nasal cannula 4 L/min 35 %"
    assert widget(w, "numeric.fio2_ward").text() == "35"
    go(s, "abg_pre_ecmo-5m")
    assert shown(w, "panel.ventilator") and not shown(w, "panel.oxygen")
    go(s, "extubation+1h")
    assert not shown(w, "panel.ventilator")
    assert shown(w, "panel.oxygen")
    assert widget(w, "panel.oxygen").text() == "O2 Nasal cannula 2 L/min 28 %"
    go(s, "extubation-1h")
    assert shown(w, "panel.ventilator") and not shown(w, "panel.oxygen")


def test_the_vasopressor_field_appears_from_its_first_dose(make_session):
    s = make_session("admission+1d")
    w = s.window
    assert not shown(w, "drug.norepinephrine_rate")
    assert not shown(w, "panel.drugs")  # no empty frame either
    go(s, "vasopressor_start+1h")
    assert shown(w, "drug.norepinephrine_rate")
    assert float(widget(w, "numeric.norepinephrine_rate").text()) > 0
    go(s, "intubation+1h")  # before the first dose
    assert not shown(w, "drug.norepinephrine_rate")


def test_the_arterial_row_appears_when_the_line_is_placed(make_session):
    s = make_session("intubation+10m")  # ABP not measured before the arterial line
    w = s.window
    assert not shown(w, "waveform.abp") and not shown(w, "tile.abp_sys")
    assert shown(w, "waveform.ecg_ii") and shown(w, "waveform.pleth")
    go(s, "arterial_line+5m")
    assert shown(w, "waveform.abp") and shown(w, "tile.abp_sys")
    go(s, "arterial_line-5m")
    assert not shown(w, "waveform.abp")


def test_the_ecmo_console_says_when_the_circuit_is_not_on_the_patient(make_session, qtbot):
    s = make_session("abg_pre_ecmo-5m", role="monitor")
    console = EcmoConsole(s.controller, display="bed-1")
    qtbot.addWidget(console)
    console.show()
    s.advance_virtual(1, 1)
    note = widget(console, "console.ecmo.connection")
    assert note.isVisible() and note.text().startswith("CIRCUIT NOT CONNECTED")
    assert widget(console, "control.ecmo.rpm").isEnabled()  # a pump is primed and set first
    assert "Day" not in note.text()  # the console does not tell the case's future
    go(s, "cannulation+10m")
    assert note.isVisible() and note.text().startswith("CANNULATION IN PROGRESS")
    go(s, "ecmo_start+1h")
    assert not note.isVisible()
    go(s, "ecmo_end+1h")
    assert note.isVisible() and note.text().startswith("CIRCUIT DISCONNECTED")
    console.detach()


def test_the_screen_state_is_only_looked_at_once_a_case_second(make_session, monkeypatch):
    """The plan runs with the numerics, not with every painted frame (the frame budget)."""
    s = make_session("ecmo_start+1h")
    calls = []
    real = s.window.plan.at
    monkeypatch.setattr(s.window.plan, "at", lambda *a: calls.append(a) or real(*a))
    s.advance_virtual(0.5, frames=30)
    assert len(calls) <= 1
    s.advance_virtual(3, frames=30)
    assert 2 <= len(calls) <= 4


# ------------------------------------------------------------------ a ward patient


def test_a_patient_without_a_circuit_has_no_ecmo_widgets_at_all(make_session, ward_course):
    s = make_session(course=ward_course, instructor=True)
    go(s, "admission+2h")
    for root in (s.window, s.console):
        assert ecmo_names(root) == [], ecmo_names(root)
    trends = s.window.trends  # made on demand: no blood-flow pane, no circuit channel
    assert ecmo_names(trends) == [] and "ecmo_flow" not in trends.panes
    choice = widget(trends, "trend.choice")
    assert "svo2" not in [choice.itemData(i) for i in range(choice.count())]


def test_the_ward_screen_shows_oxygen_no_vasopressor_no_ventilator(make_session, ward_course):
    s = make_session("admission+10m", course=ward_course, size=(1366, 768))
    w = s.window
    assert shown(w, "panel.oxygen")
    assert widget(w, "panel.oxygen").text() == "O2 Venturi mask 50 %"
    assert widget(w, "numeric.fio2_ward").text() == "50"  # never "---" with a value
    assert not shown(w, "panel.ventilator")
    assert not shown(w, "drug.norepinephrine_rate") and not shown(w, "panel.drugs")
    assert not shown(w, "waveform.abp")  # no arterial line yet
    go(s, "arterial_line+1m")
    assert shown(w, "waveform.abp") and shown(w, "tile.abp_sys")
    go(s, "admission+30m")
    assert not shown(w, "waveform.abp")


def test_a_row_without_its_trace_shows_only_its_measured_tiles(make_session):
    # On the ward (Day 2) there is no central line and no capnograph: no empty CVP or CO2
    # trace and no --- tile for them; temperature and respiratory rate stay, compact.
    s = make_session("admission+1d", size=(1366, 768))
    w = s.window
    QtWidgets.QApplication.processEvents()
    for name in ("waveform.cvp", "waveform.co2", "tile.cvp", "tile.etco2"):
        assert not shown(w, name), name
    for name in ("tile.temp", "tile.rr", "waveform.ecg_ii", "waveform.pleth"):
        assert shown(w, name), name
    # The traces take the height the trace-less rows leave.
    assert widget(w, "waveform.pleth").height() > 2 * widget(w, "tile.temp").height()
    go(s, "intubation+1h")  # central line and capnography with the ventilator
    for name in ("waveform.cvp", "waveform.co2", "tile.cvp", "tile.etco2", "tile.temp"):
        assert shown(w, name), name


def test_the_ward_rows_do_not_overlap_at_a_laptop_size(make_session, ward_course):
    s = make_session("admission+2h", course=ward_course, size=(1366, 768))
    w = s.window
    QtWidgets.QApplication.processEvents()

    def box(widget_: QtWidgets.QWidget) -> tuple[int, int]:
        top = widget_.mapTo(w, widget_.rect().topLeft()).y()
        return top, top + widget_.height()

    # Each row shown is its trace (when measured) or its measured tiles, top to bottom.
    rows = []
    for r in MONITOR_ROWS:
        parts = [f"waveform.{r.waveform}"] + [f"tile.{t.channels[0]}" for t in r.tiles]
        boxes = [box(widget(w, n)) for n in parts if shown(w, n)]
        if boxes:
            rows.append((min(t for t, _ in boxes), max(b for _, b in boxes)))
    assert len(rows) >= 3
    for (_, bottom), (top, _) in zip(rows, rows[1:], strict=False):
        assert bottom <= top
    traces = [box(widget(w, f"waveform.{r.waveform}")) for r in MONITOR_ROWS
              if shown(w, f"waveform.{r.waveform}")]
    assert traces and all(b - t > 60 for t, b in traces)
    assert box(widget(w, "panel.oxygen"))[0] >= rows[-1][1]
    assert box(widget(w, "panel.oxygen"))[1] <= w.height()


def test_the_plan_of_a_ward_patient(ward_course):
    plan = ScreenPlan(ward_course, MONITOR_ROWS)
    assert not plan.has_circuit and not plan.drug_ever_runs("norepinephrine_rate")
    t = ward_course.scenario.resolve("admission+10m")
    state = plan.at(t, ward_course.sample(t).values, ())
    assert not state.ecmo and not state.ventilator and not state.drugs
    assert "abp" not in state.rows and {"ecg_ii", "pleth", "cvp", "co2"} <= state.rows


def test_an_override_that_starts_the_drug_shows_its_field(make_session, ward_course):
    s = make_session("admission+10m", course=ward_course)
    assert not shown(s.window, "drug.norepinephrine_rate")
    s.controller.apply(Action.make(OVERRIDE, {"channel": "norepinephrine_rate",
                                              "target": 0.1, "transition": 30.0}, BOSS))
    s.advance_virtual(2, 2)
    assert shown(s.window, "drug.norepinephrine_rate")


@pytest.mark.parametrize(("device", "fio2", "text"), [
    ("Venturi mask", 50.0, "O2 Venturi mask 50 %"),
    ("", 50.0, "O2 50 %"),
    ("", 21.0, "Room air 21 %"),
    ("Nasal cannula", float("nan"), ""),  # no value: nothing, never a made-up number
    ("Venturi mask 35 %", 35.0, "O2 Venturi mask 35 %"),  # one percentage, the channel's
    ("Venturi mask 35 %", 40.0, "O2 Venturi mask 40 %"),
    ("Non-rebreather mask 15 L/min", 60.0, "O2 Non-rebreather mask 15 L/min 60 %"),
])
def test_oxygen_text(device, fio2, text):
    assert oxygen_text(device, fio2) == text


def test_an_ecmo_console_for_a_patient_without_a_circuit_is_one_line_exit_2(
        capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    code = main(["monitor", "--scenario", str(WARD), "--console", "ecmo", "--headless",
                 "--duration", "10s"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "--console ecmo" in err and "no ECMO circuit" in err


def test_the_instructors_ecmo_pieces_follow_the_circuit(make_session):
    s = make_session("abg_pre_ecmo-5m", instructor=True)
    s.console.refresh()
    assert not shown(s.console, "instructor.lock.ecmo")
    assert not shown(s.console, "instructor.team_settings.ecmo")
    assert shown(s.console, "instructor.lock.vent")
    mirror = s.console.mirror
    assert not shown(mirror, "panel.ecmo")
    go(s, "ecmo_start+1h")
    s.console.refresh()
    assert shown(s.console, "instructor.lock.ecmo") and shown(mirror, "panel.ecmo")
    go(s, "ecmo_end+1h")
    s.console.refresh()
    assert not shown(s.console, "instructor.lock.ecmo") and not shown(mirror, "panel.ecmo")


def test_the_instructors_copy_gives_the_waveforms_the_empty_column(make_session):
    """Off ECMO the instructor's copy has nothing on the right (no side tabs there): the
    waveforms and tiles take that width instead of a blank column."""
    s = make_session("abg_pre_ecmo-5m", instructor=True)
    s.console.resize(1366, 768)
    s.console.show()
    mirror = s.console.mirror
    QtWidgets.QApplication.processEvents()
    off = widget(mirror, "tile.hr").mapTo(mirror, widget(mirror, "tile.hr").rect().topRight())
    assert off.x() > mirror.width() - 20
    go(s, "ecmo_start+1h")
    QtWidgets.QApplication.processEvents()
    on = widget(mirror, "tile.hr").mapTo(mirror, widget(mirror, "tile.hr").rect().topRight())
    assert on.x() < off.x() - 100


def test_the_built_in_ward_patient_gets_a_ward_screen(make_session):
    """The built-in ward scenario (no ventilator, no circuit): oxygen by mask, no ECMO
    widget, the vasopressor field from its first dose."""
    course = Course(load_scenario("ward_sepsis_pneumonia"))
    s = make_session("admission+1h50m", course=course, size=(1366, 768))
    w = s.window
    assert ecmo_names(w) == []
    assert not shown(w, "panel.ventilator")
    assert widget(w, "panel.oxygen").text().startswith("O2 Venturi mask")
    assert not shown(w, "drug.norepinephrine_rate")
    go(s, "norepinephrine_start+30m")
    assert shown(w, "drug.norepinephrine_rate")
    assert widget(w, "panel.oxygen").text() == "O2 Non-rebreather mask 15 L/min 60 %"


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), (1600, 1000), (1920, 1080)])
def test_the_ventilator_mode_is_shown_whole_at_every_size(make_session, size):
    """The mode label is filled in after the strip is laid out; its width must follow (at
    1600x1000, the headless default, it kept the 2 px it had empty and showed nothing)."""
    s = make_session("ecmo_start+44h", size=size)
    s.advance_virtual(2, 2)
    mode = s.window.findChild(QtWidgets.QLabel, "vent.mode")
    assert mode.isVisible() and mode.text() == "Vent: PC-AC (rest)", (size, mode.text())
    assert mode.width() >= mode.sizeHint().width()
