"""The debrief report of one recorded session, as rows (pure Python, no Qt, nothing
written): `build_report` reads the session, recomputes the course from it (course_for, so
the plots are exact for every second whatever the replay speed was) and gathers the rows
(rows.py) built by timeline.py and responses.py, the plotted spans and the warnings.

The files (HTML, CSV, PDF) are built from it by files.py; page.py, plots.py and pdf.py
render it. The row helpers other layers use are importable from here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from dashboard.recording import RecordedSession, read_session, recorded_course
from replay_data.course import Course
from replay_data.errors import one_line

from .played import PlayedTime
from .responses import acknowledgement_rows, expected_response_rows, injection_responses
from .rows import (
    CSV_COLUMNS,
    DISCLAIMER,
    EPISODE_AFTER_S,
    EPISODE_ALARM_S,
    EPISODE_BEFORE_S,
    EPISODE_MAX_S,
    MAX_EPISODE_PANELS,
    MIN_SPAN_S,
    OVERVIEW_CHANNELS,
    REPLAY_TOLERANCE,
    SCORING_TYPE,
    DebriefError,
    DebriefReport,
    perturbation_label,
)
from .scoring import score_session
from .timeline import (
    display_rows,
    note_rows,
    participants,
    session_played,
    skipped_rows,
    timeline_rows,
)

# Importable from here (the rows' public face): other layers and the tests use them.
__all__ = ["CSV_COLUMNS", "DISCLAIMER", "SCORING_TYPE", "DebriefError", "DebriefReport",
           "acknowledgement_rows", "build_report", "focus_windows", "injection_responses",
           "overview_span", "perturbation_label", "plot_span", "snapshot_mismatches",
           "timeline_rows"]


def focus_windows(report: DebriefReport, course: Course) -> list[tuple[str, float, float]]:
    """One window per injection and per alarm episode -- from a minute before to a few
    minutes after -- kept inside the stretch of the session that played it; windows
    that overlap are drawn as one panel."""
    played = report.played
    assert played is not None
    wins: list[tuple[float, float, str]] = []
    for inj in report.injections:
        p = inj.perturbation
        stop = p.end + p.offset if math.isfinite(p.end) else p.start + EPISODE_MAX_S
        wins.append((p.start, stop, inj.label))
    for a in report.acknowledgements:
        # Low-priority alarms (an ACT below target) run for hours: no panel of their own.
        if a.event != "raise" or a.priority not in ("medium", "high"):
            continue
        end = a.cleared_at if a.cleared_at is not None else report.session.end
        end = max(end, a.acknowledged_at or end)
        wins.append((a.raised_at, min(end, a.raised_at + EPISODE_ALARM_S), a.message))
    out: list[tuple[float, float, list[str]]] = []
    for t0, t1, label in sorted(wins):
        seg = played.segment_of(t0) or played.segment_of(t1)
        if seg is None:
            continue
        lo = max(seg.t0, t0 - EPISODE_BEFORE_S)
        hi = min(seg.t1, min(t1, t0 + EPISODE_MAX_S) + EPISODE_AFTER_S)
        if hi - lo < 30:
            lo, hi = max(seg.t0, lo - 15), min(seg.t1, hi + 15)
        if out and lo <= out[-1][1] and played.segment_of(out[-1][0]) is seg:
            prev = out[-1]
            out[-1] = (prev[0], max(prev[1], hi), prev[2] + [label])
        else:
            out.append((lo, hi, [label]))
    panels = []
    for lo, hi, labels in out[:MAX_EPISODE_PANELS]:
        names = list(dict.fromkeys(labels))
        title = "; ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        panels.append((title, lo, hi))
    return panels


def overview_span(session: RecordedSession, course: Course,
                  played: PlayedTime) -> tuple[float, float]:
    """The longest stretch the session played (a drill usually has one)."""
    seg = max(played.segments, key=lambda s: s.t1 - s.t0)
    t0, t1 = seg.t0, seg.t1
    if t1 - t0 < MIN_SPAN_S:
        pad = (MIN_SPAN_S - (t1 - t0)) / 2
        t0, t1 = t0 - pad, t1 + pad
    sc = course.scenario
    return max(sc.start, t0), min(sc.end, t1)


def plot_span(session: RecordedSession, course: Course) -> tuple[float, float]:
    return overview_span(session, course, session_played(session, course))


MAX_CHECKED_SNAPSHOTS = 20_000  # more are checked evenly spaced (the report says so)
_SNAPSHOT_BLOCK = 5_000  # snapshots compared at a time (the course's values as arrays)


def snapshot_mismatches(session: RecordedSession, course: Course) -> int:
    """Snapshots whose values the recomputed course does not reproduce: a sign that the
    scenario or the model changed since the recording, so the trends are not what was seen."""
    return snapshot_check(session, course)[0]


def snapshot_check(session: RecordedSession, course: Course) -> tuple[int, int]:
    """(mismatching, checked): every snapshot up to MAX_CHECKED_SNAPSHOTS, else that many
    evenly spaced; compared a block at a time, the recorded values as columns."""
    table = session.snapshot_table
    n = len(table)
    if n == 0:
        return 0, 0
    step = max(1, math.ceil(n / MAX_CHECKED_SNAPSHOTS))
    rows = np.arange(0, n, step)
    lines = np.frombuffer(table.lines, dtype=np.int64)
    times = np.frombuffer(table.times, dtype=np.float64)
    # A disturbance applied in the same second, after the snapshot was written, was not
    # in what the snapshot saw: such snapshots are compared with the course as it was then.
    records = sorted(session.perturbation_records(), key=lambda r: r.line)
    rec_lines = np.array([r.line for r in records], dtype=np.int64)
    starts = np.array([r.perturbation.start for r in records] + [math.inf])
    first_start_after = np.minimum.accumulate(starts[::-1])[::-1]  # min start from k on
    k = np.searchsorted(rec_lines, lines[rows], side="right")
    special = first_start_after[k] <= times[rows]
    bad = 0
    plain = rows[~special]
    for lo in range(0, len(plain), _SNAPSHOT_BLOCK):
        block = plain[lo:lo + _SNAPSHOT_BLOCK]
        seen, _ = course.sample_grid(times[block])
        recorded = table.columns(block, list(seen))
        wrong = np.zeros(len(block), dtype=bool)
        for ch, now in seen.items():
            wrong |= ~_same(recorded[ch], np.asarray(now, dtype=np.float64))
        bad += int(wrong.sum())
    for i in rows[special]:
        s = table.snapshot(int(i))
        later = {r.perturbation.id for r in records
                 if r.line > s.line and r.perturbation.start <= s.case_time}
        then = course.with_perturbations(p for p in course.perturbations if p.id not in later)
        seen, _ = then.sample_grid(np.array([s.case_time]))
        rec = {ch: np.array([s.values.get(ch, math.nan)]) for ch in seen}
        bad += int(any(not _same(rec[ch], np.asarray(col[:1], dtype=np.float64))[0]
                       for ch, col in seen.items()))
    return bad, len(rows)


def _same(rec: np.ndarray, now: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        close = np.abs(rec - now) <= REPLAY_TOLERANCE * np.maximum(1.0, np.abs(now))
    return (np.isnan(rec) & np.isnan(now)) | close


# --------------------------------------------------------------------------- building


def _check_out(session_path: Path, out_html: Path) -> Path:
    if out_html.suffix.lower() not in (".html", ".htm"):
        raise DebriefError(one_line(f"{out_html}: the report must be an .html file"))
    folder = out_html.parent
    if not folder.is_dir():
        raise DebriefError(one_line(f"{out_html}: folder {folder} does not exist"))
    if out_html.is_dir():
        raise DebriefError(one_line(f"{out_html}: is a folder"))
    csv_path = out_html.with_suffix(".csv")
    for p in (out_html, csv_path, out_html.with_suffix(".pdf")):
        if p.exists() and p.resolve() == session_path.resolve():
            raise DebriefError(one_line(f"{p}: would overwrite the session file"))
    return csv_path



def build_report(session_path: str | os.PathLike[str], out_html: str | os.PathLike[str]
                 ) -> tuple[DebriefReport, Course]:
    """The rows of the report (no Qt, nothing written)."""
    session_path, out = Path(session_path), Path(out_html)
    csv_path = _check_out(session_path, out)
    session = read_session(session_path)
    recorded = recorded_course(session)  # the one check of a recording, as --replay's
    course = recorded.course
    played = session_played(session, course)
    report = DebriefReport(
        session=session, html_path=out, csv_path=csv_path,
        span=overview_span(session, course, played),
        timeline=timeline_rows(session, course, played),
        acknowledgements=acknowledgement_rows(session, played),
        injections=injection_responses(session, course, played),
        plotted=OVERVIEW_CHANNELS,
        skipped=skipped_rows(session, course, played),
        notes=note_rows(session, played), participants=participants(session),
        played=played, scored=score_session(session, course.scenario, played),
        displays=display_rows(session, played))
    report.session_end = session.end
    report.speeds = sorted({session.speed, *(float(a.fields["value"])
                                             for a in session.instructor_actions()
                                             if a.action == "speed")})
    report.stops = [(r.stopped, r.perturbation) for r in session.perturbation_records()
                    if r.stopped is not None]
    report.scenario_check = recorded.check
    report.snapshot_mismatches, checked = snapshot_check(session, course)
    if recorded.check.changed:
        # Warned, not refused: the timeline, acknowledgements, notes and scoring come from
        # the file itself and stay true; the plots and nadirs are recomputed (docs).
        report.warnings.append(
            f"The scenario {session.scenario!r} changed since this session was recorded "
            f"(hash {recorded.check.recorded[:12]} then, {recorded.check.current[:12]} "
            "now): the timeline, alarms, acknowledgements and notes are as recorded, but "
            "the plots, SpO2 nadirs and how long each injection lasted are recomputed from "
            "the changed scenario and may not be what the trainees saw.")
    report.expected = expected_response_rows(report.scored, played)
    report.panels = focus_windows(report, course)
    if session.truncated:
        report.warnings.append("The session file ends in a cut-off line (the app stopped "
                               "while writing); everything before it is shown.")
    if report.snapshot_mismatches:
        total = session.snapshot_count
        of = f"{total} recorded snapshots" if checked == total else \
            f"{checked} recorded snapshots checked (evenly spaced, of {total})"
        report.warnings.append(
            f"{report.snapshot_mismatches} of {of} differ from the recomputed course: the "
            "scenario or the simulator changed since the recording, so the trends may not "
            "be what the trainees saw.")
    return report, course
