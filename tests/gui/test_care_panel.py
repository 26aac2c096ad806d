"""The instructor's "Team did ..." buttons: each logs the team's care action at the
console, and the debrief scores it as the team's, entered by the instructor."""

from __future__ import annotations

from PySide6 import QtWidgets
from widget_support import child

from dashboard.debrief.scoring import team_controls
from dashboard.recording import read_session
from replay_data.course import Course
from replay_data.scenario import load_scenario


def test_team_did_buttons_log_care_for_the_team(make_session, tmp_path):
    path = tmp_path / "s.jsonl"
    s = make_session(None, course=Course(load_scenario("vf_arrest_day3"), 0),
                     instructor=True, playing=False, session_log=path)
    con = s.console
    child(con, QtWidgets.QPushButton, "instructor.care.cpr").click()
    child(con, QtWidgets.QSpinBox, "instructor.care.joules").setValue(200)
    child(con, QtWidgets.QPushButton, "instructor.care.shock").click()
    child(con, QtWidgets.QPushButton, "instructor.care.bolus").click()
    child(con, QtWidgets.QPushButton, "instructor.care.adrenaline").click()
    s.close()
    rows = team_controls(read_session(path))
    assert [(k.control, k.value) for k in rows] == [
        ("control.care.cpr", 1.0), ("control.care.defibrillation", 200.0),
        ("control.care.fluid_bolus", 500.0), ("control.care.adrenaline", 1.0)]
    assert all(k.by_team and k.who == "team (entered by the instructor at console)"
               for k in rows)
