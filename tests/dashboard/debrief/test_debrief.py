"""Debrief report: self-contained HTML, the CSV with the same timeline rows, time to
acknowledge, what the trainee did after each injection, atomic output, CLI errors."""

from __future__ import annotations

import base64
import csv
import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_session_log import ACK_ALL, ACK_ONE, END, INJ, OVR, STOP, T0, record_session

from dashboard.alarms import AlarmChange, Priority
from dashboard.debrief import DebriefError, build_debrief, debrief_main
from dashboard.debrief.report import DISCLAIMER, acknowledgement_rows
from dashboard.recording import SessionLogError, SessionRecorder, read_session
from replay_data.casetime import case_clock
from replay_data.output_file import OutputError
from replay_data.timeexpr import format_case_time


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("debrief")
    session = folder / "session.jsonl"
    record_session(session)
    report = build_debrief(session, folder / "report.html")
    return report, report.html_path.read_text(encoding="utf-8")


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def html_table(page: str, heading: str) -> list[list[str]]:
    """Body rows (cell texts) of the table under an <h2> heading."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
    table = section.split("<table", 1)[1].split("</table>", 1)[0]
    body = re.findall(r"<tr>(.*?)</tr>", table)[1:]  # the first row is the header
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in body]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in row] for row in cells]


# --------------------------------------------------------------------------- the page


def test_the_html_is_one_self_contained_file(built):
    report, page = built
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for external in ("http://", "https://", 'src="file', "<link", "<script", "url("):
        assert external not in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    # the overview and one panel per injection or alarm episode (overlapping ones merged)
    assert len(images) == 1 + len(report.panels) and 1 <= len(report.panels) <= 3
    assert all(base64.b64decode(b).startswith(b"\x89PNG\r\n\x1a\n") for b in images)
    assert len(re.findall(r'src="', page)) == len(images)  # nothing else is loaded


def test_the_header_names_the_session(built):
    report, page = built
    assert DISCLAIMER == "Training simulator \u2014 not a medical device"
    assert DISCLAIMER in page
    assert "scenario sle_dah_ecmo, seed 0" in page
    assert format_case_time(T0) in page and format_case_time(END) in page
    assert report.span == (T0, END) and report.snapshot_mismatches == 0
    assert report.warnings == []


def test_time_to_acknowledge_for_every_raised_alarm(built):
    report, page = built
    acks = {a.alarm_id: a for a in report.acknowledgements if a.event == "raise"}
    pump = acks["pump_stopped"]
    assert (pump.raised_at, pump.acknowledged_at, pump.via) == (INJ + 2, ACK_ONE, "this alarm")
    flow = acks["ecmo_flow.low"]  # raised by the pump stop, covered by acknowledge-all
    assert flow.acknowledged_at == ACK_ALL and flow.via == "acknowledge all"
    assert flow.time_to_acknowledge == ACK_ALL - flow.raised_at
    late = [a for a in report.acknowledgements if a.raised_at > ACK_ALL]
    assert late and all(a.acknowledged_at is None for a in late)
    assert all(a.outcome.startswith("not acknowledged") for a in late)
    rows = html_table(page, "Time to acknowledge")
    assert len(rows) == len(report.acknowledgements)
    pump_row = next(r for r in rows if r[2] == "ECMO pump stopped")
    assert pump_row[1] == case_clock(INJ + 2, seconds=True)
    assert pump_row[3] == "high" and pump_row[4].endswith("(case 18 s) \u00b7 this alarm")
    assert any(r[4].startswith("not acknowledged") for r in rows)


def test_the_injection_row_shows_what_the_trainee_did_next(built):
    report, page = built
    pump, sweep = report.injections
    assert pump.label == "Pump stop (Power loss: pump stopped)" and pump.source == "instructor"
    assert [(r.delay, r.actor, r.what) for r in pump.responses] == [
        (20.0, "trainee", "acknowledge ECMO pump stopped"),
        (30.0, "trainee", "acknowledge all"),
        (35.0, "trainee", "audio paused"),
        (90.0, "instructor", "stopped Pump stop (Power loss: pump stopped)"),
    ]
    assert sweep.perturbation.start == OVR and sweep.responses == ()
    rows = html_table(page, "Injections and what the team did next")
    assert rows[0][1] == "Pump stop (Power loss: pump stopped)"
    assert rows[0][3].endswith("(case 1 min 30 s)")
    assert "case 20 s)" in rows[0][4] and "acknowledge ECMO pump stopped" in rows[0][4]
    assert rows[1][4] == "no trainee action"


def test_the_timeline_has_every_kind_of_row_in_case_time_order(built):
    report, _ = built
    times = [r.case_time for r in report.timeline]
    assert times == sorted(times)
    types = {r.type for r in report.timeline}
    assert types >= {"instructor", "injection", "injection stop", "override", "alarm raise",
                     "alarm clear", "trainee"}
    # each trainee acknowledge is one row; the alarms it covered are in the alarm table
    assert "alarm acknowledge" not in types
    stop = next(r for r in report.timeline if r.type == "injection stop")
    assert stop.case_time == STOP
    raised = next(r for r in report.timeline if r.what == "ECMO pump stopped")
    assert (raised.type, raised.priority, raised.value, raised.limit) == (
        "alarm raise", "high", "0 rpm", "0 rpm")


def test_the_csv_has_the_same_rows_as_the_html_timeline(built):
    report, page = built
    assert report.csv_path == report.html_path.with_suffix(".csv")
    rows = csv_rows(report.csv_path)
    assert rows[0] == ["case_time_s", "case_time", "wall_clock", "wall_elapsed_s", "type",
                       "what", "priority", "value", "limit", "alarm_id", "deadline", "result",
                       "by"]
    timeline = rows[1:len(report.timeline) + 1]
    assert timeline == [r.csv_row() for r in report.timeline]
    # after the timeline: the scored expected responses, one row each
    assert [r[4] for r in rows[len(report.timeline) + 1:]] == [
        "expected response"] * len(report.scored)
    shown = html_table(page, "Timeline")
    assert [r[1:5] for r in shown] == [[r[1], r[4], r[5], r[6]] for r in timeline]
    assert [r[0] for r in shown] == [x.wall_time_text for x in report.timeline]


def test_the_trends_do_not_depend_on_snapshots(built, tmp_path):
    report, page = built
    kept = [x for x in report.session.path.read_text().splitlines() if '"snapshot"' not in x]
    (tmp_path / "s.jsonl").write_text("\n".join(kept) + "\n")
    again = build_debrief(tmp_path / "s.jsonl", tmp_path / "r.html")
    assert again.timeline == report.timeline and again.span == report.span
    images = re.findall(r'src="(data:[^"]+)"', again.html_path.read_text())
    assert images == re.findall(r'src="(data:[^"]+)"', page)  # same pixels


def test_snapshots_that_the_course_does_not_reproduce_are_flagged(built, tmp_path):
    report, _ = built
    text = report.session.path.read_text()
    hr = re.search(r'"snapshot".*?"hr":([0-9.]+)', text).group(1)
    (tmp_path / "s.jsonl").write_text(text.replace(f'"hr":{hr}', '"hr":200.0', 1))
    again = build_debrief(tmp_path / "s.jsonl", tmp_path / "r.html")
    assert again.snapshot_mismatches == 1
    assert "differ from the recomputed course" in again.html_path.read_text()


def test_a_cut_off_recording_is_still_reported(built, tmp_path):
    report, _ = built
    data = report.session.path.read_bytes() + b'{"type":"trainee","case_ti'
    (tmp_path / "s.jsonl").write_bytes(data)
    again = build_debrief(tmp_path / "s.jsonl", tmp_path / "r.html")
    assert again.timeline == report.timeline
    assert "cut-off line" in again.html_path.read_text()


# --------------------------------------------------------------------------- acknowledge rules


def test_acknowledge_covers_an_alarm_only_while_it_is_there(tmp_path):
    path = tmp_path / "s.jsonl"
    now = [0.0]  # the wall clock runs with case time here (1x)

    def alarm(rec: SessionRecorder, t: float, event: str, aid: str) -> None:
        now[0] = t
        rec.write(AlarmChange(t, event, aid, None, None, None, Priority.MEDIUM, aid.upper()))

    class Rec(SessionRecorder):
        def trainee(self, t: float, action: str, **fields: object) -> None:
            now[0] = t
            super().trainee(t, action, **fields)

    with Rec(path, wall_clock=lambda: 1.75e9 + now[0]) as rec:
        rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=0, speed=1)
        alarm(rec, 10, "raise", "a")
        alarm(rec, 12, "raise", "b")
        alarm(rec, 15, "clear", "b")  # gone before anyone looked
        rec.trainee(20, "acknowledge")
        alarm(rec, 20, "acknowledge", "a")
        alarm(rec, 30, "raise", "c")
        rec.trainee(34, "acknowledge", alarm_id="c")
        alarm(rec, 34, "acknowledge", "c")
        alarm(rec, 40, "clear", "a")
        alarm(rec, 50, "raise", "a")  # a new episode: the old acknowledge does not count
        alarm(rec, 55, "clear", "a")
        alarm(rec, 60, "raise", "d")
        rec.trainee(62, "acknowledge")  # no engine record for it: the action still covers d
        alarm(rec, 70, "raise", "e")
    rows = [(r.alarm_id, r.raised_at, r.time_to_acknowledge, r.via, r.outcome)
            for r in acknowledgement_rows(read_session(path))]
    assert rows == [
        ("a", 10, 10, "acknowledge all", "10 s"),
        ("b", 12, None, "", "not acknowledged (condition ended after 3 s)"),
        ("c", 30, 4, "this alarm", "4 s"),
        ("a", 50, None, "", "not acknowledged (condition ended after 5 s)"),
        ("d", 60, 2, "acknowledge all", "2 s"),
        ("e", 70, None, "", "not acknowledged (still present at the end of the session)"),
    ]


# --------------------------------------------------------------------------- failures


def test_a_bad_session_writes_nothing_and_keeps_an_old_report(built, tmp_path):
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    (tmp_path / "r.html").write_text("old report")
    with pytest.raises(SessionLogError, match="line 1"):
        build_debrief(tmp_path / "bad.jsonl", tmp_path / "r.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "r.html"]
    assert (tmp_path / "r.html").read_text() == "old report"


def test_a_failed_write_leaves_no_half_file(built, tmp_path, monkeypatch):
    report, _ = built

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("replay_data.output_file.os.replace", no_rename)
    with pytest.raises(OutputError, match=r"r\.(csv|html): No space"):
        build_debrief(report.session.path, tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []  # no report, no CSV, no temp files


@pytest.mark.parametrize(("out", "message"), [
    ("missing/r.html", "does not exist"),
    ("r.csv", "must be an .html file"),
])  # fmt: skip
def test_a_bad_output_path_is_refused_before_any_work(built, tmp_path, out, message):
    report, _ = built
    with pytest.raises(DebriefError, match=message):
        build_debrief(report.session.path, tmp_path / out)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- CLI


def test_cli_writes_the_report(built, tmp_path, capsys):
    report, _ = built
    code = debrief_main([str(report.session.path), "--out", str(tmp_path / "r.html")])
    assert code == 0
    out = capsys.readouterr().out
    assert out == f"wrote {tmp_path / 'r.html'}, {tmp_path / 'r.csv'}\n"
    assert csv_rows(tmp_path / "r.csv") == csv_rows(report.csv_path)


@pytest.mark.parametrize(("args", "message"), [
    ([], "the following arguments are required: session"),
    (["{tmp}/none.jsonl"], "none.jsonl: no such session file"),
    (["{tmp}/bad.jsonl", "--out", "{tmp}/r.html"], "bad.jsonl: line 2: unknown type 'coffee'"),
    (["{tmp}/good.jsonl", "--out", "{tmp}/nowhere/r.html"], "does not exist"),
    (["{tmp}/good.jsonl", "--out", "{tmp}/r.txt"], "must be an .html file"),
    (["{tmp}/good.jsonl", "--colour"], "unrecognized arguments: --colour"),
])  # fmt: skip
def test_cli_errors_are_one_line_and_exit_2(built, tmp_path, capsys, args, message):
    report, _ = built
    (tmp_path / "good.jsonl").write_bytes(report.session.path.read_bytes())
    header = report.session.path.read_text().splitlines()[0]
    (tmp_path / "bad.jsonl").write_text(header + '\n{"type":"coffee"}\n')
    before = sorted(tmp_path.iterdir())
    code = debrief_main([a.replace("{tmp}", str(tmp_path)) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("icu-dashboard debrief: error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err
    assert sorted(tmp_path.iterdir()) == before  # no partial output


def test_cli_help_exits_0(capsys):
    assert debrief_main(["--help"]) == 0
    assert "icu-dashboard debrief" in capsys.readouterr().out


def test_cli_in_a_fresh_process_exits_cleanly(built, tmp_path):
    """Builds its own offscreen QApplication and exits 0 (no crash at Qt teardown)."""
    report, _ = built
    code = textwrap.dedent(f"""
        import os, sys
        os.environ.pop("QT_QPA_PLATFORM", None)
        from dashboard.debrief import debrief_main
        code = debrief_main([{str(report.session.path)!r}, "--out",
                             {str(tmp_path / "r.html")!r}])
        assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
        sys.exit(code)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("data:image/png") >= 2
