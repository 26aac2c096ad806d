"""The debrief of long recordings keeps its shape: work that grows with the file, not with
its square; notes as text, not plot items; snapshots as a table, checked a bounded number
of times. Counted, not timed (benchmarks/bench_debrief.py --long times them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.alarms import AlarmChange, Priority
from dashboard.debrief import report as report_mod
from dashboard.debrief import responses
from dashboard.debrief.report import build_report
from dashboard.recording import SessionLogError, SessionRecorder, read_session
from replay_data.course import Course
from replay_data.perturbations import injection
from replay_data.scenario import load_scenario

SC = load_scenario("sle_dah_ecmo")
T0 = SC.resolve("ecmo_start+1d")
EPOCH = 1_780_000_000.0


class Wall:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return EPOCH + (self.t - T0)


def _open(path: Path) -> tuple[SessionRecorder, Wall]:
    wall = Wall()
    rec = SessionRecorder(path, wall_clock=wall)
    rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=T0, speed=1)
    rec.instructor(T0, "play", display="console")
    return rec, wall


def notes_session(path: Path, n: int) -> Path:
    rec, wall = _open(path)
    for i in range(n):
        wall.t = T0 + 2.0 * (i + 1)
        rec.instructor(wall.t, "note", display="console", text=f"note {i}")
    wall.t += 2
    rec.instructor(wall.t, "pause", display="console")
    rec.close()
    return path


def injections_session(path: Path, n: int) -> Path:
    rec, wall = _open(path)
    for i in range(n):
        # 90 s apart: a 20 s stop every 30 s for 20 min would end in a hypoxic arrest
        # (physiology.hypoxia), and a pulseless patient has no SpO2 nadir.
        t = wall.t = T0 + 90.0 * i + 5
        p = injection(SC, "pump_stop", t, pid=f"inj-{i}")
        rec.perturbation(t, p, display="console", role="instructor")
        wall.t = t + 2
        rec.write(AlarmChange(case_time=t + 2, event="raise", alarm_id="pump_stopped",
                              channel="ecmo_flow", value=0.0, limit=2.0,
                              priority=Priority.HIGH, message="ECMO pump stopped"))
        wall.t = t + 6
        rec.trainee(t + 6, "acknowledge", display="bed-1", alarm_id="pump_stopped")
        wall.t = t + 20
        rec.perturbation_stopped(t + 20, p.id, display="console", role="instructor")
        wall.t = t + 22
        rec.write(AlarmChange(case_time=t + 22, event="clear", alarm_id="pump_stopped",
                              channel="ecmo_flow", value=3.5, limit=2.0,
                              priority=Priority.HIGH, message="ECMO pump stopped"))
    wall.t += 30
    rec.instructor(wall.t, "pause", display="console")
    rec.close()
    return path


def _count(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_many_notes_are_one_table_and_no_plot_marks(tmp_path):
    n = 300  # past MAX_NOTE_MARKS: the shape of a 20,000-note session, cheaply
    session = notes_session(tmp_path / "s.jsonl", n)
    from dashboard.debrief import page, plots

    r, course = build_report(session, tmp_path / "r.html")
    figures = plots.report_figures(r, course)
    assert len(r.notes) == n and not any(m.what.startswith("note") for m in r.marks)
    html = page.render_html(r, course, figures, embed=False)
    notes = html.split("<h2>Instructor notes and bookmarks</h2>", 1)[1]
    assert notes.count("<table") == 1 and notes.count("<tr>") == n + 1  # header + rows
    assert f"{n} notes and bookmarks are not marked on the plots" in html
    # Every note is still in the timeline, in order.
    assert [row.what for row in r.timeline if row.type == "note"] == \
        [f"note {i}" for i in range(n)]


def test_the_report_checks_each_action_once_whatever_the_number_of_notes(tmp_path,
                                                                         monkeypatch):
    """Linear: twice the notes, twice the checks (the lists were rebuilt a dozen times,
    and the played time rebuilt its bisect list per lookup, which was quadratic)."""
    from dashboard.recording import reader

    counts = []
    for n in (200, 400):
        session = notes_session(tmp_path / f"s{n}.jsonl", n)
        calls = _count(monkeypatch, reader.acts, "check_args")
        build_report(session, tmp_path / f"r{n}.html")
        counts.append(calls[0])
        monkeypatch.undo()
    assert counts[1] <= 2 * counts[0] + 10
    assert counts[0] <= 2 * 200 + 10  # each action checked about once on read, once after


def test_injections_cost_a_fixed_number_of_course_runs(tmp_path, monkeypatch):
    """The SpO2 nadirs and the lived ends of N injections come from a fixed number of
    course runs, not N (2,000 injections were 4,000 runs)."""
    runs = []
    for n in (20, 40):
        session = injections_session(tmp_path / f"s{n}.jsonl", n)
        calls = _count(monkeypatch, Course, "numerics")
        r, _ = build_report(session, tmp_path / f"r{n}.html")
        runs.append(calls[0])
        monkeypatch.undo()
        assert len(r.injections) == n and all(i.nadir is not None for i in r.injections)
        acks = [a for a in r.acknowledgements if a.event == "raise"]
        assert len(acks) == n and all(a.via == "this alarm" for a in acks)
    assert runs[0] == runs[1]


def test_batched_nadirs_equal_one_by_one(tmp_path):
    session = injections_session(tmp_path / "s.jsonl", 6)
    r, course = build_report(session, tmp_path / "r.html")
    for inj in r.injections:
        p = inj.perturbation
        t1 = inj.lived_end if inj.lived_end is not None else p.end + p.offset
        t1 = min(t1 + responses.NADIR_AFTER_S, r.played.range[1])
        assert inj.nadir == responses.spo2_nadir(course, p.start, t1)


def test_many_shaded_spans_and_marks_are_a_few_plot_items(tmp_path, monkeypatch):
    import pyqtgraph as pg

    from dashboard.debrief import plots

    session = injections_session(tmp_path / "s.jsonl", 150)
    r, course = build_report(session, tmp_path / "r.html")
    added = _count(monkeypatch, pg.PlotItem, "addItem")
    figures = plots.report_figures(r, course)
    rows = len(r.plotted) + sum(len(plots._panel_channels(r, course, lo, hi))
                                for _, lo, hi in r.panels)
    # Per row: the trace, a fill per shading colour, a line item per mark colour; not one
    # item per injection, alarm and mark (150 of each here).
    assert added[0] <= 8 * rows + 10
    assert "too many to number here" in figures[0].caption


def test_snapshots_are_checked_a_bounded_number_of_times(tmp_path, monkeypatch):
    rec, wall = _open(tmp_path / "s.jsonl")
    course = Course(SC, 0)

    class Snap:
        def __init__(self, t: float) -> None:
            self.t, self.flags = t, frozenset()
            self.values = {k: v for k, v in course.sample(t).values.items() if v == v}

    for i in range(60):
        wall.t = T0 + 60 * i
        rec.snapshot(Snap(wall.t))
    rec.close()
    s = read_session(tmp_path / "s.jsonl")
    assert s.snapshot_count == 60 and s.entries[-1].type == "instructor"
    assert [x.case_time for x in s.snapshots()] == [T0 + 60 * i for i in range(60)]
    assert report_mod.snapshot_check(s, course) == (0, 60)
    monkeypatch.setattr(report_mod, "MAX_CHECKED_SNAPSHOTS", 25)
    assert report_mod.snapshot_check(s, course) == (0, 20)  # every third


@pytest.mark.parametrize(("values", "words"), [
    ('{"hr":1e400}', "out of range"),
    ('{"hr":123456789012345678901}', "too large"),
    ('{"hr":NaN}', "finite numbers"),
    ('{"hr":true}', "snapshot 'values' must be an object of numbers"),
])
def test_an_odd_snapshot_line_gets_the_full_checks(tmp_path, values, words):
    """The fast path reads only the plain line; anything else is refused as before."""
    rec, wall = _open(tmp_path / "s.jsonl")
    rec.close()
    line = (f'{{"type":"snapshot","case_time":{T0!r},'
            f'"wall_time":"2026-05-28T20:26:40.000+00:00","values":{values},"flags":[]}}')
    path = tmp_path / "s.jsonl"
    path.write_text(path.read_text() + line + "\n" + json.dumps(
        {"type": "instructor", "case_time": T0, "wall_time": "2026-05-28T20:26:41.000+00:00",
         "action": "pause", "display": "console"}) + "\n")
    with pytest.raises(SessionLogError, match=f"line 3: .*{words}"):
        read_session(path)


def test_a_snapshots_wall_time_reads_back_as_written(tmp_path):
    rec, _ = _open(tmp_path / "s.jsonl")
    rec.close()
    path = tmp_path / "s.jsonl"
    walls = ["2026-05-28T20:26:40.000+00:00", "2026-05-28T22:26:40.123+02:00",
             "2026-05-28T20:26:40.123456+00:00", "2026-05-28T20:26:40"]
    path.write_text(path.read_text() + "".join(
        json.dumps({"type": "snapshot", "case_time": T0 + i, "wall_time": w,
                    "values": {"hr": 80}, "flags": ["x"] if i else []}) + "\n"
        for i, w in enumerate(walls)))
    snaps = read_session(path).snapshots()
    assert [s.wall_time for s in snaps] == walls
    assert [s.flags for s in snaps] == [frozenset(), *[frozenset({"x"})] * 3]


def _snapshot_session(path: Path, n: int) -> Path:
    rec, wall = _open(path)
    course = Course(SC, 0)

    class Snap:
        def __init__(self, t: float) -> None:
            self.t, self.flags = t, frozenset()
            self.values = {k: v for k, v in course.sample(t).values.items()
                           if k in ("hr", "spo2", "ecmo_flow") and v == v}

    for i in range(n):
        wall.t = T0 + 60 * i
        rec.snapshot(Snap(wall.t))
    rec.close()
    return path


_COLUMNS = ("lines", "times", "wall_us", "wall_tz", "value_channel", "value", "value_end",
            "flag_of", "channels", "flag_sets", "wall_text", "_latest", "_latest_us")


def test_snapshot_runs_read_in_bulk_equal_line_by_line(tmp_path, monkeypatch):
    """The bulk path (snapshot_runs.py) gives the table the line-by-line path gives,
    with odd lines (flags, other channels, a local time) mixed into a long run."""
    from dashboard.recording import reader, snapshot_runs

    path = _snapshot_session(tmp_path / "s.jsonl", 30)
    lines = path.read_text().splitlines(keepends=True)
    odd = [
        '{"type":"snapshot","case_time":%r,"wall_time":"2026-05-28T22:26:40.500+02:00",'
        '"values":{"hr":80.5},"flags":["spo2 probe off"]}\n' % (T0 + 1),
        '{"type":"snapshot","case_time":%r,"wall_time":"2026-05-28T20:26:41",'
        '"values":{"hr":81,"spo2":97.0},"flags":[]}\n' % (T0 + 2),
    ]
    path.write_text("".join(lines[:10] + odd + lines[10:]))
    monkeypatch.setattr(snapshot_runs, "RUN", 7)  # runs cut at odd places too
    bulk = read_session(path).snapshot_table
    monkeypatch.setattr(reader, "SNAPSHOT_START", b"\0 never")  # every line on its own
    each = read_session(path).snapshot_table
    assert len(bulk) == 32
    for name in _COLUMNS:
        assert getattr(bulk, name) == getattr(each, name), name


@pytest.mark.parametrize(("line", "words"), [
    ('"wall_time":"2026-13-28T20:26:40.000+00:00","values":{"hr":80.0,"spo2":97.0,'
     '"ecmo_flow":3.5},"flags":[]}', "not an ISO 8601 time"),
    ('"wall_time":"2026-05-28T20:26:40.000+00:00","values":{"hr":1e400,"spo2":97.0,'
     '"ecmo_flow":3.5},"flags":[]}', "out of range"),
    ('"wall_time":"2026-05-28T20:26:40.000+00:00","values":{"hr":80.0,"spo2":97.0,'
     '"ecmo_flow":3.5},"flags":[]} trailing', "not JSON"),
])
def test_a_bad_line_inside_a_run_of_snapshots_is_refused_with_its_line(tmp_path, line,
                                                                       words):
    path = _snapshot_session(tmp_path / "s.jsonl", 20)
    lines = path.read_text().splitlines(keepends=True)
    bad = f'{{"type":"snapshot","case_time":{T0 + 5!r},{line}\n'
    path.write_text("".join(lines[:12] + [bad] + lines[12:]))
    with pytest.raises(SessionLogError, match=f"s.jsonl: line 13: .*{words}"):
        read_session(path)


def test_past_the_listed_notes_the_page_keeps_a_count_and_the_csv_every_note(
        tmp_path, monkeypatch):
    """A faculty member gets the first and last notes and a count on the page, and every
    note in the CSV; the page's timeline leaves the notes out (they would be most of it)."""
    import csv

    from dashboard.debrief import build_debrief, page

    monkeypatch.setattr(page, "MAX_LISTED_NOTES", 40)
    session = notes_session(tmp_path / "s.jsonl", 100)
    report = build_debrief(session, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    notes = html.split("<h2>Instructor notes and bookmarks</h2>", 1)[1]
    shown = [f"note {i}" for i in range(100) if f"<td>note {i}</td>" in notes]
    assert shown == [f"note {i}" for i in (*range(20), *range(80, 100))]
    assert "\u2026 60 more notes and bookmarks, in r.csv \u2026" in notes
    assert "100 notes and bookmarks (0 bookmarks): the first 20 and the last 20" in notes
    timeline = html.split("<h2>Timeline</h2>", 1)[1].split("<h2>Instructor notes", 1)[0]
    assert "note 50" not in timeline and "The 100 notes and bookmarks are left out" in timeline
    assert "<td>pause</td>" in timeline  # the other rows stay
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["what"] for r in rows if r["type"] == "note"] == [f"note {i}" for i in range(100)]
    assert len(report.notes) == 100


def test_the_csv_in_pieces_is_the_csv_whole(tmp_path, monkeypatch):
    from dashboard.debrief import files

    session = notes_session(tmp_path / "s.jsonl", 50)
    r, _ = build_report(session, tmp_path / "r.html")
    whole = files.render_csv(r.timeline)
    monkeypatch.setattr(files, "_CSV_ROWS_PER_CHUNK", 7)
    pieces = list(files.csv_chunks(r.timeline))
    assert len(pieces) > 5 and b"".join(pieces) == whole
    assert whole.startswith("\ufeff".encode()) and whole.count("\ufeff".encode()) == 1


def test_the_session_lines_are_let_go_before_the_plots_and_the_page(tmp_path, monkeypatch):
    """The rows hold what the report needs: the session's lines (~100 MB of a 200,000-note
    file) are released before Qt and the plots load, and the page still says every speed
    played and marks every stop."""
    from dashboard.debrief import build_debrief, plots

    rec, wall = _open(tmp_path / "s.jsonl")
    for i in range(5):
        wall.t = T0 + 10 * (i + 1)
        rec.instructor(wall.t, "note", display="console", text=f"note {i}", bookmark=False)
    wall.t = T0 + 60
    rec.instructor(wall.t, "speed", display="console", value=10.0)
    p = injection(SC, "hypotension", T0 + 70, pid="inj-1")
    wall.t = T0 + 70
    rec.perturbation(wall.t, p, display="console")
    wall.t = T0 + 100
    rec.perturbation_stopped(wall.t, p.id, display="console")
    wall.t = T0 + 130
    rec.instructor(wall.t, "end", display="console")
    rec.close()
    seen = {}
    real = plots.report_figures

    def figures(report, course):
        seen["lines"] = len(report.session.entries) + len(report.session.snapshot_table)
        return real(report, course)

    monkeypatch.setattr(plots, "report_figures", figures)
    report = build_debrief(tmp_path / "s.jsonl", tmp_path / "r.html")
    assert seen["lines"] == 0
    assert report.session_end == T0 + 130 and report.speeds == [1.0, 10.0]
    assert [t for t, _ in report.stops] == [T0 + 100]
    page = report.html_path.read_text(encoding="utf-8")
    assert "\u00d71, \u00d710" in page and "stopped: " in page
