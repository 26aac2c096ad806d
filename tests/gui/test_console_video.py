"""End session "with video" on the instructor console: the report is written at once, the
films are rendered in a process of their own while the console stays usable, the progress
is shown, and the report then plays the film (its Open button opens that report)."""

from __future__ import annotations

from PySide6 import QtWidgets
from widget_support import child, click


def test_end_with_video_renders_the_film_in_the_background(make_session, qtbot, tmp_path):
    path = tmp_path / "drill.jsonl"
    s = make_session("ecmo_start+1d", instructor=True, playing=False, session_log=path)
    con = s.console
    qtbot.addWidget(con)
    con.show()
    click(qtbot, con, "instructor.start")
    s.advance_virtual(4, frames=8)
    child(con, QtWidgets.QCheckBox, "instructor.end_video").setChecked(True)
    click(qtbot, con, "instructor.end")
    # The report at once; the film after, in the background: the console goes on.
    assert path.with_suffix(".html").is_file()
    job = con.video_job
    assert job is not None and job.running
    message = child(con, QtWidgets.QLabel, "instructor.message")
    assert "Rendering the debrief's film in the background" in message.text()
    seen: list[int] = []
    job.progress.connect(seen.append)
    s.advance_virtual(1, frames=2)  # the console's frames go on meanwhile
    qtbot.waitUntil(lambda: not job.running, timeout=120_000)
    assert "Film written: drill.mp4" in message.text(), message.text()
    assert seen and seen[-1] == 100
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    assert '<video id="bedside"' in html and path.with_suffix(".mp4").stat().st_size > 0
    assert child(con, QtWidgets.QFrame, "instructor.report").isVisibleTo(con)
