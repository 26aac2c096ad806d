"""The instructor console during a drill, found by objectName on a hand-driven clock: the
live checklist (rows from the drill's pump stop, ticking themselves when the bedside team
acts, "done (verbal)" recorded as the instructor's), the room's displays, feedback after
a note, the objectives kept in view, and the debrief report's path after End."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from widget_support import child, click

from dashboard.recording import read_session
from replay_data.course import Course
from replay_data.scenario import load_scenario


def drill_session(make_session, tmp_path=None, **kw):
    path = None if tmp_path is None else tmp_path / "drill.jsonl"
    s = make_session(None, course=Course(load_scenario("pump_stop_day2"), 0), instructor=True,
                     playing=False, session_log=path, **kw)
    s.console.resize(1366, 768)
    s.console.show()
    return s


def checklist_rows(console) -> list[str]:
    panel = child(console, QtWidgets.QFrame, "instructor.checklist")
    out = []
    n = 0
    while (row := panel.findChild(QtWidgets.QFrame, f"instructor.checklist.row.{n}")) is not None:
        out.append(row.findChild(QtWidgets.QLabel, f"instructor.checklist.text.{n}").text())
        n += 1
    return out


def test_checklist_follows_the_drills_pump_stop_the_team_and_the_instructor(
        make_session, qtbot, tmp_path):
    from dashboard.ui.ecmo_console import EcmoConsole

    s = drill_session(make_session, tmp_path)
    con = s.console
    click(qtbot, con, "instructor.start")
    s.advance_virtual(60, frames=6)
    assert checklist_rows(con) == []  # the pump stops three minutes in
    assert child(con, QtWidgets.QLabel, "instructor.checklist.empty").isVisible()
    s.advance_virtual(130, frames=13)  # 10 s after the pump stop (Day 13 13:13:00)
    con.refresh()
    rows = checklist_rows(con)
    assert len(rows) == 3, rows
    assert rows[0].startswith("Clamp the lines — +0:10 · due +0:30 (0:20 left)"), rows
    assert all(child(con, QtWidgets.QPushButton, f"instructor.checklist.verbal.{n}")
               .isVisibleTo(con) for n in range(3))
    # The stopwatch runs with case time.
    s.advance_virtual(5, frames=1)
    con.refresh()
    assert checklist_rows(con)[0].startswith("Clamp the lines — +0:15 · due +0:30 (0:15 left)")

    # The bedside team clamps at its console: the row ticks itself, credited to it.
    pump = EcmoConsole(s.controller, display="bed-1")
    qtbot.addWidget(pump)
    pump.set("control.ecmo.clamp_drainage", 1)
    s.advance_virtual(1, frames=1)
    con.refresh()
    rows = checklist_rows(con)
    assert rows[0].startswith("Clamp the lines — done at +0:15 by trainee at bed-1"), rows
    assert not child(con, QtWidgets.QPushButton, "instructor.checklist.verbal.0").isVisibleTo(con)

    # FiO2 was called for and given by word: the instructor ticks it.
    click(qtbot, con, "instructor.checklist.verbal.2")
    rows = checklist_rows(con)
    assert "done (verbal)" in rows[2] and "instructor (verbal)" in rows[2], rows
    assert not child(con, QtWidgets.QPushButton, "instructor.checklist.verbal.2").isVisibleTo(con)
    # Restart never came: pending, then overdue after its minute.
    s.advance_virtual(60, frames=6)
    con.refresh()
    assert "overdue" in checklist_rows(con)[1]
    pump.detach()
    click(qtbot, con, "instructor.end")
    rec = read_session(tmp_path / "drill.jsonl")
    ticks = [a for a in rec.instructor_actions() if a.action == "response_done"]
    assert [(t.fields["response"], t.actor, t.display) for t in ticks] == [
        ("FiO2 to 1.0 on the ventilator", "instructor", "console")]


def test_displays_list_shows_joined_lost_and_back(make_session):
    import time

    s = drill_session(make_session)
    listed = child(s.console, QtWidgets.QListWidget, "instructor.displays")
    assert listed.item(0).text() == "No display has joined the room yet."
    c = s.controller
    wall = 1_700_000_000.0
    hms = [time.strftime("%H:%M:%S", time.localtime(wall + d)) for d in (0, 100, 130)]
    c.display_presence("bed-1", True, wall)
    c.display_presence("ecmo-1", True, wall)
    assert [listed.item(i).text() for i in range(listed.count())] == [
        f"bed-1 · connected since {hms[0]}", f"ecmo-1 · connected since {hms[0]}"]
    c.display_presence("bed-1", False, wall + 100)
    text = listed.item(0).text()
    assert text.startswith(f"bed-1 · LINK LOST at {hms[1]}") and "link lost 1×" in text
    assert listed.item(0).foreground().color().name() == "#ff5252"
    c.display_presence("bed-1", True, wall + 130)
    assert listed.item(0).text() == (f"bed-1 · connected since {hms[0]} · link lost 1× "
                                     f"(last {hms[1]}) · back {hms[2]}")
    # Visible in the console itself, not only in the window title.
    assert listed.isVisibleTo(s.console)


def test_a_note_and_a_bookmark_are_confirmed_and_listed(make_session, qtbot, tmp_path):
    from replay_data.timeexpr import format_case_time

    s = drill_session(make_session, tmp_path)
    con = s.console
    click(qtbot, con, "instructor.start")
    s.advance_virtual(65, frames=5)
    when = format_case_time(s.controller.case_time())
    child(con, QtWidgets.QLineEdit, "instructor.note_text").setText("lead named")
    click(qtbot, con, "instructor.note")
    feedback = child(con, QtWidgets.QLabel, "instructor.note_feedback")
    assert feedback.text() == f"Note saved at {when}"
    click(qtbot, con, "instructor.bookmark")
    assert feedback.text() == f"Bookmark saved at {when}"
    notes = child(con, QtWidgets.QListWidget, "instructor.notes")
    assert [notes.item(i).text() for i in range(notes.count())] == [
        f"{when} · bookmark", f"{when} · note: lead named"]


def test_objectives_stay_in_view_during_the_drill(make_session, qtbot):
    s = drill_session(make_session)
    con = s.console
    objectives = child(con, QtWidgets.QLabel, "instructor.objectives")
    goal = s.course.scenario.briefing.objectives[0]
    assert goal in objectives.text() and objectives.isVisibleTo(con)
    click(qtbot, con, "instructor.start")
    assert not child(con, QtWidgets.QLabel, "instructor.case_stem").isVisibleTo(con)
    assert goal in objectives.text() and objectives.isVisibleTo(con)


def test_after_end_the_console_says_the_report_was_written_and_where(
        make_session, qtbot, tmp_path):
    s = drill_session(make_session, tmp_path)
    con = s.console
    report = child(con, QtWidgets.QFrame, "instructor.report")
    assert not report.isVisibleTo(con)
    click(qtbot, con, "instructor.start")
    s.advance_virtual(20, frames=2)
    click(qtbot, con, "instructor.end")
    state = child(con, QtWidgets.QLabel, "instructor.session_state").text()
    assert "report was written" in state and "Write the debrief" not in state
    html = tmp_path / "drill.html"
    label = child(con, QtWidgets.QLabel, "instructor.report_path")
    assert report.isVisibleTo(con) and label.toolTip() == str(html)
    # Elided in the middle when narrow: the file's name stays readable.
    con.resize(940, 1080)
    label.resize(150, label.height())
    QtWidgets.QApplication.processEvents()
    assert label.text().endswith("drill.html") or "…" in label.text()
    opened = []
    child(con, QtWidgets.QFrame, "instructor.report").opener = opened.append
    click(qtbot, con, "instructor.report_open")
    assert opened == [QtCore.QUrl.fromLocalFile(str(html))]


def test_the_checklist_is_worked_out_a_few_times_a_second_not_every_frame(
        make_session, qtbot, monkeypatch):
    import dashboard.ui.instructor_console as ic
    from dashboard.debrief.checklist import LiveChecklist

    s = drill_session(make_session)
    click(qtbot, s.console, "instructor.start")
    calls = []
    real = LiveChecklist.items
    monkeypatch.setattr(LiveChecklist, "items", lambda self: calls.append(1) or real(self))
    s.advance_virtual(10, frames=200)  # 200 monitor frames over 10 s
    assert 0 < len(calls) <= 10 / ic.CONSOLE_REFRESH_S + 1, len(calls)
