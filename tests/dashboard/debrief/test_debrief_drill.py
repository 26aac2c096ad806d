"""The debrief of a drill run through the SessionController: times in both clocks at 5x,
a scheduled event the session jumped over reported as skipped, notes and participants,
and the print layout rendered by Qt to A4 with no text overlapping."""

from __future__ import annotations

import re

import pytest

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief import build_debrief
from dashboard.debrief.report import build_report
from dashboard.recording import read_session, recording_for
from replay_data.casetime import case_clock
from replay_data.course import Course
from replay_data.scenario import load_scenario

INSTRUCTOR = Actor("instructor", "console")
TRAINEE = Actor("trainee", "bed-1")
SPEED = 5.0


def drill(path, start: str, speed: float = SPEED) -> tuple[SessionController, ManualWall]:
    sc = load_scenario("sle_dah_ecmo")
    wall = ManualWall()
    c = SessionController(Course(sc, 0), start=sc.resolve(start), speed=speed, playing=False,
                          wall=wall, recording=recording_for(path, "sle_dah_ecmo"))
    return c, wall


def act(c: SessionController, kind: str, actor: Actor = INSTRUCTOR, **args) -> Action:
    done = c.apply(Action.make(kind, args, actor), strict=True)
    assert done is not None
    return done


def play_wall(c: SessionController, wall_seconds: float) -> None:
    """Let `wall_seconds` of the room's time pass, one tick per wall second."""
    c.advance(wall_seconds * c.clock.speed, int(wall_seconds))


@pytest.fixture(scope="module")
def pump_drill(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drill")
    c, wall = drill(folder / "drill.jsonl", "ecmo_start+1d")
    wall.advance(90)  # pre-brief: the room's time passes, the case's does not
    c.tick()
    act(c, "begin", participants="Anna (lead); Ben (ECMO nurse)")
    play_wall(c, 60)
    act(c, "inject", injection="pump_stop", duration=None)
    inj_case = c.case_time()
    play_wall(c, 12)
    act(c, "acknowledge", TRAINEE)
    act(c, "note", text="Clamp called", bookmark=True)
    play_wall(c, 20)
    act(c, "stop", id=c.perturbations[-1].id)
    play_wall(c, 120)
    act(c, "end")
    report = build_debrief(c.recorded_path, folder / "drill.html", pdf=True)
    c.close()
    return report, inj_case


def test_times_to_acknowledge_and_respond_are_wall_seconds_with_case_seconds_beside(pump_drill):
    report, inj_case = pump_drill
    pump = next(i for i in report.injections if i.label.startswith("Pump stop"))
    ack = next(r for r in pump.responses if r.what == "acknowledge all")
    # 12 s in the room at 5x are 60 s of the patient's time
    assert (ack.wall_delay, ack.delay) == (12.0, 60.0)
    assert ack.delay_text == "+12 s (case 1 min)"
    stop = next(r for r in pump.responses if r.actor == "instructor")
    assert (stop.wall_delay, stop.delay) == (32.0, 160.0)
    alarm = next(a for a in report.acknowledgements if a.alarm_id == "pump_stopped")
    # raised a moment after the injection (the next tick); case seconds are 5 x wall seconds
    assert 10.0 <= alarm.wall_to_acknowledge <= 12.0
    assert alarm.time_to_acknowledge == pytest.approx(alarm.wall_to_acknowledge * SPEED, abs=0.01)
    page = report.html_path.read_text(encoding="utf-8")
    assert "+12 s (case 1 min) trainee: acknowledge all" in page
    assert alarm.outcome in page and "(case " in alarm.outcome


def test_every_timeline_row_has_both_clocks(pump_drill):
    report, inj_case = pump_drill
    played = report.played
    assert all(r.wall is not None for r in report.timeline)
    begin = next(r for r in report.timeline if r.what == "session started")
    assert begin.wall_elapsed == 90.0  # after the pre-brief
    inj = next(r for r in report.timeline if r.type == "injection")
    assert inj.case_time == inj_case and inj.wall_elapsed == 150.0
    assert played.wall_seconds == 90 + 60 + 12 + 20 + 120
    assert re.search(r"<td>\d\d:\d\d:\d\d</td><td>" + re.escape(case_clock(inj_case, seconds=True)),
                     report.html_path.read_text(encoding="utf-8"))


def test_notes_and_participants_are_in_the_report(pump_drill):
    report, inj_case = pump_drill
    assert report.participants == ["Anna (lead)", "Ben (ECMO nurse)"]
    (note,) = report.notes
    assert (note.text, note.bookmark, note.case_time) == ("Clamp called", True, inj_case + 60)
    page = report.html_path.read_text(encoding="utf-8")
    assert "Anna (lead), Ben (ECMO nurse)" in page
    notes = page.split("<h2>Instructor notes and bookmarks</h2>", 1)[1]
    assert "Clamp called" in notes and case_clock(inj_case + 60, seconds=True) in notes


def test_plots_focus_on_what_happened(pump_drill):
    report, inj_case = pump_drill
    t0, t1 = report.span
    # the session, not the course (as the file has it: build_debrief let its lines go)
    session = read_session(report.session.path)
    assert (t0, t1) == (session.start, session.end) == (report.session.start,
                                                         report.session_end)
    assert t1 - t0 == pytest.approx((60 + 12 + 20 + 120) * SPEED)
    title, lo, hi = report.panels[0]
    assert "Pump stop" in title
    assert lo == inj_case - 60 and hi <= t1


def test_teaching_material_is_in_the_report(pump_drill):
    report, _ = pump_drill
    page = report.html_path.read_text(encoding="utf-8")
    b = load_scenario("sle_dah_ecmo").briefing
    assert "<h2>Learning objectives</h2>" in page and "<h2>Questions for the debrief</h2>" in page
    assert all(o.replace("'", "&#x27;") in page for o in b.objectives + b.debrief_prompts)


def test_a_scheduled_event_jumped_over_is_listed_as_skipped(tmp_path):
    sc = load_scenario("sle_dah_ecmo")
    bleed = next(s for s in sc.scheduled if s.injection == "endobronchial_bleeding")
    c, wall = drill(tmp_path / "s.jsonl", "0", speed=10.0)
    act(c, "seek", target=bleed.t - 300)
    act(c, "begin")
    play_wall(c, 6)  # a minute of case time, the bleed still ahead
    act(c, "seek", target=bleed.t + bleed.duration + 3600)
    play_wall(c, 6)
    act(c, "end")
    c.close()
    report, _ = build_report(c.recorded_path, tmp_path / "r.html")
    label = sc.injections["endobronchial_bleeding"].label
    # the injection and the case event it stands for; nothing before the first play
    assert [(r.case_time, r.type) for r in report.skipped] == [
        (bleed.t, "scheduled injection"), (bleed.t, "case event")]
    assert label in report.skipped[0].what
    assert all(i.label != label for i in report.injections)  # not "no trainee action"
    assert all(label not in r.what for r in report.timeline)
    built = build_debrief(c.recorded_path, tmp_path / "r.html")
    page = built.html_path.read_text(encoding="utf-8")
    skipped = page.split("Skipped: scheduled, but the session jumped over them", 1)[1]
    assert label in skipped.split("</table>", 1)[0]


# --------------------------------------------------------------------------- print layout


@pytest.fixture(scope="module")
def twenty_minute_drill(tmp_path_factory):
    """A 20-minute drill at 1x: four injections, each acknowledged, noted and stopped."""
    folder = tmp_path_factory.mktemp("drill20")
    c, wall = drill(folder / "drill.jsonl", "ecmo_start+1d", speed=1.0)
    wall.advance(120)
    c.tick()
    act(c, "begin", participants="Anna (lead); Ben (ECMO nurse); Carla (resident)")
    play_wall(c, 230)
    for inj, lasting, note in (("pump_stop", 40, "Clamp called"),
                               ("hypotension", 180, "Fluids asked"),
                               ("spo2_probe_off", 60, "Probe checked"),
                               ("endobronchial_bleeding", 150, "Suction, bronchoscopy")):
        act(c, "inject", injection=inj, duration=None)
        play_wall(c, 15)
        act(c, "acknowledge", TRAINEE)
        act(c, "note", text=note, bookmark=inj == "pump_stop")
        play_wall(c, lasting)
        act(c, "stop", id=c.perturbations[-1].id)
        play_wall(c, 120)
    act(c, "end")
    assert c.clock.wall_time() - 120 >= 20 * 60
    report = build_debrief(c.recorded_path, folder / "drill.html", pdf=True)
    c.close()
    return report, None


@pytest.mark.parametrize("which", ["pump_drill", "twenty_minute_drill"])
def test_the_pdf_is_a4_two_to_three_pages(which, request):
    report, _ = request.getfixturevalue(which)
    data = report.pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert len(boxes) == report.pdf_pages and 2 <= report.pdf_pages <= 3
    # A4 is 595 x 842 pt: no page is wider (or taller)
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)


@pytest.mark.parametrize("which", ["pump_drill", "twenty_minute_drill"])
def test_the_print_layout_has_no_overlapping_text_and_nothing_past_the_page(which, request):
    from dashboard.debrief import page, pdf, plots

    report, _ = request.getfixturevalue(which)
    r, course = build_report(report.session.path, report.html_path)
    figures = plots.report_figures(r, course)
    doc = pdf.layout_document(page.render_html(r, course, figures, embed=False), figures)
    width = pdf.page_size_px().width()
    lay = doc.documentLayout()
    assert all(lay.frameBoundingRect(f).right() <= width for f in doc.rootFrame().childFrames())
    lines = pdf.text_line_rects(doc)
    assert len(lines) > 100
    assert max(rect.right() for rect, _ in lines) <= width
    for i, (a, ta) in enumerate(lines):
        for b, tb in lines[i + 1:]:
            both = a.intersected(b)
            assert both.width() <= 1 or both.height() <= 1, f"{ta!r} overlaps {tb!r}"
    assert doc.pageCount() == report.pdf_pages
    # Page breaks between sections: no section that fits on a page is split between two
    # (each part of the report starts a page when it would otherwise be split).
    height = pdf.page_size_px().height()
    sections = pdf._sections(doc)
    assert [b.text() for b, _, _ in sections if b.text() in page.PART_TITLES] == list(
        page.PART_TITLES)
    for block, top, bottom in sections:
        if bottom - top <= height:
            assert int(top // height) == int((bottom - 1) // height), f"{block.text()} split"
    if which == "twenty_minute_drill":  # three parts, three pages, each part on its own
        starts = {b.text(): top for b, top, _ in sections}
        assert [int(starts[t] // height) for t in page.PART_TITLES] == [1, 2]
        assert all(starts[t] % height < 16 for t in page.PART_TITLES)  # at the top (h2 margin)
    # no table row numbered twice: the marks are a table, not a numbered list
    assert "<ol" not in page.render_html(r, course, figures, embed=False)


def test_a_disturbance_in_the_same_second_as_a_snapshot_is_not_a_mismatch(
        twenty_minute_drill):
    """The SpO2 probe comes off in the very second a snapshot was written (after it): the
    snapshot saw SpO2, the course from then on has none. Not a changed scenario."""
    report, _ = twenty_minute_drill
    session = read_session(report.session.path)  # build_debrief let its lines go
    snaps = {s.case_time: s for s in session.snapshots()}
    probe = next(r for r in session.perturbation_records()
                 if r.perturbation.name == "spo2_probe_off")
    same_second = snaps.get(probe.perturbation.start)
    assert same_second is not None and same_second.line < probe.line
    assert report.snapshot_mismatches == 0 and report.warnings == []
