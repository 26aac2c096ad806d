"""Scenario pick on the instructor console, in the pre-brief: a scenario file loaded through
"Open file…" rebuilds the session on it (the console's case stem, the trainees' monitor, the
session file's header); a bad file is one line on the console and the previous scenario
stays; after Start the pick is disabled."""

from __future__ import annotations

from importlib import resources

from PySide6 import QtWidgets
from widget_support import child, click

from dashboard.recording import read_session


def variant_file(tmp_path):
    """A small valid scenario: the built-in one with another title, patient, stem and start."""
    text = resources.files("resources.scenarios").joinpath("sle_dah_ecmo.toml").read_text("utf-8")
    text = text.replace('id = "sle_dah_ecmo"', 'id = "dah_variant"', 1)
    text = text.replace('title = "VV-ECMO for diffuse alveolar hemorrhage in SLE"',
                        'title = "Night shift variant"', 1)
    text = text.replace('summary = "43-year-old woman · SLE with diffuse alveolar hemorrhage"',
                        'summary = "Variant patient on ECMO"', 1)
    text = text.replace('default_start = "abg_pre_ecmo-5m"', 'default_start = "ecmo_start+1d"', 1)
    text = text.replace('case_stem = """A 43-year-old woman',
                        'case_stem = """Night shift handover. A 43-year-old woman', 1)
    assert text.count("dah_variant") == 1 and "Night shift handover" in text
    path = tmp_path / "variant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def open_file(qtbot, monkeypatch, con, path):
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), "Scenario files (*.toml)"))
    click(qtbot, con, "instructor.scenario_file")


def test_pick_a_scenario_file_then_start(make_session, qtbot, tmp_path, monkeypatch):
    log = tmp_path / "drill.jsonl"
    s = make_session(None, instructor=True, playing=False, session_log=log)
    con = s.console
    qtbot.addWidget(con)
    con.show()
    combo = child(con, QtWidgets.QComboBox, "instructor.scenario")
    assert combo.findData("sle_dah_ecmo") >= 0 and combo.isEnabled()
    old_window = s.window

    # a bad file: one line on the console, nothing changed
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nid = 3 = 4\n", encoding="utf-8")
    open_file(qtbot, monkeypatch, con, bad)
    msg = child(con, QtWidgets.QLabel, "instructor.message").text()
    assert "Scenario not changed" in msg and "bad.toml" in msg and "\n" not in msg
    assert s.console is con and s.window is old_window
    assert s.course.scenario.id == "sle_dah_ecmo"
    assert read_session(log).scenario_id == "sle_dah_ecmo"

    # a good file: the session is rebuilt on it, still in the pre-brief
    variant = variant_file(tmp_path)
    open_file(qtbot, monkeypatch, con, variant)
    sc = s.course.scenario
    assert sc.id == "dah_variant" and s.clock.case_time() == sc.resolve("ecmo_start+1d")
    assert not s.controller.begun and not s.clock.playing
    con = s.console
    qtbot.addWidget(con)
    assert child(con, QtWidgets.QLabel, "instructor.case_stem").text().count(
        "Night shift handover") == 1
    assert child(con, QtWidgets.QComboBox, "instructor.scenario").currentText() == str(
        variant.resolve())
    mon = s.window
    qtbot.addWidget(mon)
    assert mon is not old_window and "Night shift variant" in mon.windowTitle()
    assert child(mon, QtWidgets.QLabel, "banner.patient").text() == "Variant patient on ECMO"
    assert con.mirror is not None and con.mirror.controller is s.controller

    # Start: the clock runs on the new scenario; the pick is disabled; the log names it
    click(qtbot, con, "instructor.start")
    assert s.clock.playing
    assert not child(con, QtWidgets.QComboBox, "instructor.scenario").isEnabled()
    assert not child(con, QtWidgets.QPushButton, "instructor.scenario_file").isEnabled()
    t0 = s.clock.case_time()
    s.advance_virtual(30, frames=3)
    assert s.clock.case_time() > t0
    rec = read_session(log)
    assert rec.scenario_id == "dah_variant" and rec.scenario == str(variant.resolve())
    assert rec.start == sc.resolve("ecmo_start+1d")


def test_pick_back_to_the_builtin(make_session, qtbot, tmp_path, monkeypatch):
    log = tmp_path / "drill.jsonl"
    s = make_session(None, instructor=True, playing=False, session_log=log)
    qtbot.addWidget(s.console)
    open_file(qtbot, monkeypatch, s.console, variant_file(tmp_path))
    con = s.console
    qtbot.addWidget(con)
    combo = child(con, QtWidgets.QComboBox, "instructor.scenario")
    i = combo.findData("sle_dah_ecmo")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    assert s.course.scenario.id == "sle_dah_ecmo"
    assert "43-year-old woman was admitted" in child(
        s.console, QtWidgets.QLabel, "instructor.case_stem").text()
    assert read_session(log).scenario == "sle_dah_ecmo"


def test_pick_a_builtin_drill_and_run_it(make_session, qtbot, tmp_path):
    """The drills are in the pick by title; choosing one puts the pre-brief at the drill's
    start with its own case stem; after Start its pump stop comes three minutes in."""
    log = tmp_path / "drill.jsonl"
    s = make_session(None, instructor=True, playing=False, session_log=log)
    qtbot.addWidget(s.console)
    combo = child(s.console, QtWidgets.QComboBox, "instructor.scenario")
    i = combo.findData("pump_stop_day2")
    assert i >= 0 and combo.itemText(i) == "Drill: pump stop on ECMO day 2 (pump_stop_day2)"
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    sc = s.course.scenario
    assert (sc.id, sc.base) == ("pump_stop_day2", "sle_dah_ecmo")
    assert s.clock.case_time() == sc.resolve("ecmo_start+20h") and not s.clock.playing
    con = s.console
    qtbot.addWidget(con)
    stem = child(con, QtWidgets.QLabel, "instructor.case_stem").text()
    # The objectives are shown apart from the stem now (they stay during the drill).
    goals = child(con, QtWidgets.QLabel, "instructor.objectives").text()
    assert "hospital day 13, 13:10" in stem and "Clamp the lines within 30 s" in goals
    click(qtbot, con, "instructor.start")
    s.advance_virtual(170, frames=17)
    assert "pump_stopped" not in {a.alarm_id for a in s.controller.alarms.active_alarms()}
    s.advance_virtual(20, frames=4)
    assert "pump_stopped" in {a.alarm_id for a in s.controller.alarms.active_alarms()}
    assert read_session(log).scenario == "pump_stop_day2"


def test_the_pre_brief_pick_lists_every_drill_of_the_library(make_session, qtbot):
    s = make_session(None, instructor=True, playing=False)
    qtbot.addWidget(s.console)
    combo = child(s.console, QtWidgets.QComboBox, "instructor.scenario")
    for drill in ("pump_stop_day2", "air_in_circuit_day2", "oxygenator_failure_day2",
                  "sweep_gas_failure_day2", "recirculation_day2",
                  "endobronchial_haemorrhage_day2", "cannula_migration_day4"):
        i = combo.findData(drill)
        assert i >= 0, drill
        assert combo.itemText(i).startswith("Drill:"), combo.itemText(i)
