"""A drill run from the instructor console, found by objectName: pre-brief (case stem, the
trainees' monitor alive, no case time), Start with participants, a note and a bookmark,
an injection until stopped, Stop selected without a selection, Stop all, Pause with the
trainees' sweep still moving, End session (file closed) and the debrief."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from widget_support import child, click

from dashboard.recording import read_session


def sweep_moves(s, strip) -> bool:
    before = strip.visible_trace()
    for _ in range(10):
        s.wall.advance(0.1)
        s.frame()
    after = strip.visible_trace()
    return (~np.isclose(np.nan_to_num(before, nan=-999), np.nan_to_num(after, nan=-999))).sum() > 50


def test_a_drill_from_pre_brief_to_debrief(make_session, qtbot, tmp_path):
    path = tmp_path / "drill.jsonl"
    s = make_session("ecmo_start+1d", instructor=True, playing=False, session_log=path,
                     speed=5.0)
    con = s.console
    qtbot.addWidget(con)
    con.show()
    strip = s.window.strips["ecg_ii"]
    # pre-brief: the case stem is shown, the monitor is alive, case time stands still
    stem = child(con, QtWidgets.QLabel, "instructor.case_stem")
    assert "43-year-old woman" in stem.text() and stem.isVisible()
    t0 = s.clock.case_time()
    assert sweep_moves(s, strip) and s.clock.case_time() == t0
    assert not child(con, QtWidgets.QPushButton, "instructor.end").isEnabled()

    child(con, QtWidgets.QLineEdit, "instructor.participants").setText("Anna (lead), Ben")
    click(qtbot, con, "instructor.start")
    assert s.clock.playing and not stem.isVisible()
    s.advance_virtual(30, frames=6)
    assert s.clock.case_time() > t0

    note = child(con, QtWidgets.QLineEdit, "instructor.note_text")
    note.setText("handover done")
    click(qtbot, con, "instructor.note")
    click(qtbot, con, "instructor.bookmark")

    # an injection until stopped
    combo = child(con, QtWidgets.QComboBox, "instructor.injection")
    combo.setCurrentIndex(combo.findData("pump_stop"))
    child(con, QtWidgets.QSpinBox, "instructor.duration").setValue(0)
    click(qtbot, con, "instructor.inject")
    assert s.perturbations[-1].duration is None
    s.advance_virtual(20, frames=4)
    con.refresh()
    child(con, QtWidgets.QListWidget, "instructor.active").setCurrentRow(-1)
    click(qtbot, con, "instructor.stop")
    assert "select a disturbance" in child(con, QtWidgets.QLabel, "instructor.message").text()
    click(qtbot, con, "instructor.stop_all")
    assert all(p.end <= s.clock.case_time() for p in s.perturbations)

    # Pause: no case time passes, the trainees' sweep keeps moving
    click(qtbot, con, "instructor.play")
    t_paused = s.clock.case_time()
    assert not s.clock.playing and sweep_moves(s, strip)
    assert s.clock.case_time() == t_paused
    assert "Paused" in child(con, QtWidgets.QLabel, "instructor.session_state").text()
    click(qtbot, con, "instructor.play")
    s.advance_virtual(10, frames=2)

    click(qtbot, con, "instructor.end")
    assert s.controller.ended and s.controller.recorder is None
    message = child(con, QtWidgets.QLabel, "instructor.message").text()
    assert "Debrief written" in message
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    assert path.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
    assert "Anna (lead), Ben" in html and "handover done" in html
    rec = read_session(path)
    kinds = [a.action for a in rec.instructor_actions()]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("note") == 2
    # nothing more is recorded after the end
    n = len(path.read_text().splitlines())
    s.advance_virtual(30, frames=3)
    assert len(path.read_text().splitlines()) == n


def test_override_target_is_bounded_and_starts_from_the_value_shown(make_session, qtbot):
    s = make_session("ecmo_start+1d", instructor=True)
    con = s.console
    s.advance_virtual(2, frames=2)
    con.refresh()
    combo = child(con, QtWidgets.QComboBox, "instructor.override_channel")
    combo.setCurrentIndex(combo.findData("spo2"))
    target = child(con, QtWidgets.QDoubleSpinBox, "instructor.override_target")
    ch = s.course.catalogue.numerics["spo2"]
    assert target.maximum() == ch.limits[1] == 100
    target.setValue(150)
    assert target.value() == 100
    shown = s.window.findChild(QtWidgets.QLabel, "numeric.spo2").text()
    combo.setCurrentIndex(combo.findData("hr"))
    combo.setCurrentIndex(combo.findData("spo2"))
    assert f"{target.value():.{ch.precision}f}" == shown
